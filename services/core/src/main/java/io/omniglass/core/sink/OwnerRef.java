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

    // written out: the record's generated ones are method handles over the components, slow on a per-row path
    @Override
    public int hashCode() {
        return 31 * kind.hashCode() + (name == null ? 0 : name.hashCode());
    }

    @Override
    public boolean equals(Object o) {
        return this == o || o instanceof OwnerRef r && kind == r.kind && java.util.Objects.equals(name, r.name);
    }

    @Override
    public String toString() {
        return kind == OwnerKind.global ? "global" : kind.getLiteral() + ":" + name;
    }
}
