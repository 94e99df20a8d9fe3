package io.omniglass.core.sink;

import io.omniglass.schema.tenant.enums.OwnerKind;

import java.util.regex.Pattern;

/** {@code component:NAME}, {@code system:NAME}, {@code location:NAME}, {@code node:NAME} or {@code global}. */
record OwnerRef(OwnerKind kind, String name) {

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,127}");
    static final OwnerRef GLOBAL = new OwnerRef(OwnerKind.global, null);

    /** null when the text is not an owner reference at all. */
    static OwnerRef parse(String text) {
        if ("global".equals(text)) {
            return GLOBAL;
        }
        int colon = text.indexOf(':');
        if (colon <= 0) {
            return null;
        }
        OwnerKind kind = switch (text.substring(0, colon)) {
            case "component" -> OwnerKind.component;
            case "system" -> OwnerKind.system;
            case "location" -> OwnerKind.location;
            case "node" -> OwnerKind.node;
            default -> null;
        };
        String name = text.substring(colon + 1);
        if (kind == null || !NAME.matcher(name).matches()) {
            return null;
        }
        return new OwnerRef(kind, name);
    }

    @Override
    public String toString() {
        return kind == OwnerKind.global ? "global" : kind.getLiteral() + ":" + name;
    }
}
