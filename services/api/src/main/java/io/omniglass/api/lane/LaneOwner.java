package io.omniglass.api.lane;

/** {@code component:NAME}, {@code system:NAME}, {@code location:NAME}, {@code node:NAME} or {@code global}. */
public record LaneOwner(String kind, String name) {

    public static final LaneOwner GLOBAL = new LaneOwner("global", null);

    /** null when the text is not an owner reference at all; a NAME is {@code [A-Za-z0-9][A-Za-z0-9_.-]{0,127}}. */
    public static LaneOwner parse(String text) {
        if ("global".equals(text)) {
            return GLOBAL;
        }
        int colon = text.indexOf(':');
        if (colon <= 0) {
            return null;
        }
        String kind = text.substring(0, colon);
        String name = text.substring(colon + 1);
        boolean known = switch (kind) {
            case "component", "system", "location", "node" -> true;
            default -> false;
        };
        return known && LaneText.isName(name, true) ? new LaneOwner(kind, name) : null;
    }

    @Override
    public String toString() {
        return name == null ? "global" : kind + ":" + name;
    }
}
