package io.omniglass.views.services;

import java.util.List;

/** GET .../storage and GET .../retention of one tenant, read together. */
public record StorageOverview(List<TableStorage> tables, List<RetentionPolicy> policies) {

    public StorageOverview {
        tables = List.copyOf(tables);
        policies = List.copyOf(policies);
    }
}
