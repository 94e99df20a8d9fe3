package io.omniglass.core.rules;

import io.omniglass.schema.tenant.enums.Severity;

/** The current version of one enabled event rule, as the engine holds it in memory. */
public record EventRuleDef(long id, int version, String name, Selector selector, String key,
                           Condition condition, Severity severity, String message) {

    public boolean matches(String owner, String key) {
        return this.key.equals(key) && selector.matches(owner);
    }
}
