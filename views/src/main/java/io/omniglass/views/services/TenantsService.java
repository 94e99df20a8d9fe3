package io.omniglass.views.services;

import java.util.List;

public interface TenantsService {
    List<TenantSummary> tenants();
}
