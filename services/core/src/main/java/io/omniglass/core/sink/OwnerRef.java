package io.omniglass.core.sink;

import io.omniglass.api.lane.LaneOwner;
import io.omniglass.schema.tenant.enums.OwnerKind;

/** {@code component:NAME}, {@code system:NAME}, {@code location:NAME}, {@code node:NAME} or {@code global}. */
record OwnerRef(OwnerKind kind, String name) {

    static final OwnerRef GLOBAL = new OwnerRef(OwnerKind.global, null);

    /** null when the text is not an owner reference at all (the syntax is the lane's: {@link LaneOwner}). */
    static OwnerRef parse(String text) {
        LaneOwner owner = LaneOwner.parse(text);
        return owner == null ? null : of(owner);
    }

    static OwnerRef of(LaneOwner owner) {
        return owner.name() == null ? GLOBAL : new OwnerRef(OwnerKind.valueOf(owner.kind()), owner.name());
    }

    @Override
    public String toString() {
        return kind == OwnerKind.global ? "global" : kind.getLiteral() + ":" + name;
    }
}
