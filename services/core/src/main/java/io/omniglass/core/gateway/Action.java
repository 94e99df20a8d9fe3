package io.omniglass.core.gateway;

import io.omniglass.core.access.Role;

/**
 * What a caller is doing; the gateway checks the role it needs and narrows every query to
 * {@code visible_set(principal, action)}. Roles are cumulative (viewer < operator < admin).
 */
public enum Action {
    READ_ENTITIES(Role.viewer),
    READ_CURRENT_VALUES(Role.viewer),
    READ_HISTORY(Role.viewer),
    READ_ALARMS(Role.viewer),
    READ_EVENTS(Role.viewer),
    READ_LINEAGE(Role.viewer),
    READ_RULES(Role.viewer),
    READ_VARIABLES(Role.viewer),
    ACK(Role.operator),
    SNOOZE(Role.operator),
    READ_AUDIT(Role.operator),
    READ_DEAD_LETTERS(Role.viewer),
    REDRIVE_DEAD_LETTERS(Role.operator),
    EDIT_RULES(Role.admin),
    WRITE_ENTITIES(Role.admin),
    WRITE_VARIABLES(Role.admin),
    DECRYPT_SECRETS(Role.admin),
    IMPORT_PLANT(Role.admin),
    ADMIN(Role.admin);

    private final Role minimumRole;

    Action(Role minimumRole) {
        this.minimumRole = minimumRole;
    }

    public Role minimumRole() {
        return minimumRole;
    }

    /** The label used in telemetry and logs, e.g. {@code read_current_values}. */
    public String label() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
