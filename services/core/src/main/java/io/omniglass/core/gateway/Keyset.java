package io.omniglass.core.gateway;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.jooq.Condition;
import org.jooq.EnumType;
import org.jooq.Field;
import org.jooq.SortField;
import org.jooq.impl.DSL;

import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * Keyset pagination: a page ends with an opaque {@code next} cursor holding the sort key of its
 * last row; the next page is {@code WHERE (k1, k2, ...) > (cursor values)} over an index-friendly
 * order, so deep pages cost what the first page costs (no OFFSET).
 */
public final class Keyset {

    private static final ObjectMapper JSON = new ObjectMapper();
    private final List<Field<?>> fields;
    private final boolean descending;

    private Keyset(List<Field<?>> fields, boolean descending) {
        this.fields = fields;
        this.descending = descending;
    }

    /** The sort key, most significant first; it must identify a row uniquely. */
    public static Keyset ascending(Field<?>... fields) {
        return new Keyset(List.of(fields), false);
    }

    public static Keyset descending(Field<?>... fields) {
        return new Keyset(List.of(fields), true);
    }

    public List<SortField<?>> orderBy() {
        List<SortField<?>> out = new ArrayList<>();
        for (Field<?> f : fields) {
            out.add(descending ? f.desc() : f.asc());
        }
        return out;
    }

    /** The condition selecting rows after the cursor; true for no cursor. 400 for a cursor that is not ours. */
    public Condition after(String cursor) {
        if (cursor == null || cursor.isEmpty()) {
            return DSL.trueCondition();
        }
        List<String> parts;
        try {
            if (cursor.length() > 4096) {
                throw new IllegalArgumentException("too long");
            }
            parts = JSON.readValue(Base64.getUrlDecoder().decode(cursor), new TypeReference<List<String>>() { });
            if (parts == null || parts.size() != fields.size()) {
                throw new IllegalArgumentException("wrong arity");
            }
        } catch (Exception e) {
            throw GatewayException.invalid("invalid 'after' cursor: pass the 'next' value of the previous page unchanged");
        }
        List<Object> raw = new ArrayList<>();
        List<Field<?>> values = new ArrayList<>();
        for (int k = 0; k < fields.size(); k++) {
            raw.add(convert(fields.get(k), parts.get(k)));
            values.add(DSL.val(raw.get(k), fields.get(k)));
        }
        var left = DSL.row(fields);
        var right = DSL.row(values);
        return (descending ? left.lt(right) : left.gt(right)).and(leakproofBound(raw, values));
    }

    /**
     * The same bound on the key's leading text columns alone, inclusive: implied by the full
     * comparison, so it selects the same rows, but where the full one cannot, it can start the
     * index scan at the cursor under row-level security. There the planner makes only leakproof
     * comparisons index conditions, and an enum's are not (provenance in the current-value key):
     * without this bound every page of a scoped read scanned the index from its first entry and
     * filtered (the ninth page of a location-wide read at a million series: 900,000 rows and a
     * sort; docs/gateway.md). Tenant-wide reads run without the policies and never needed it.
     */
    private Condition leakproofBound(List<Object> raw, List<Field<?>> values) {
        int prefix = 0;
        while (prefix < fields.size() && fields.get(prefix).getType() == String.class) {
            prefix++;
        }
        if (prefix == 0 || prefix == fields.size()) {
            return DSL.noCondition();
        }
        List<Field<?>> bound = new ArrayList<>();
        for (int k = 0; k < prefix; k++) {
            if (raw.get(k) == null) {
                return DSL.noCondition(); // a null in a row comparison would exclude rows the full one keeps
            }
            bound.add(values.get(k));
        }
        var left = DSL.row(fields.subList(0, prefix));
        var right = DSL.row(bound);
        return descending ? left.le(right) : left.ge(right);
    }

    /** The cursor for a row whose sort key values are these (in {@link #ascending} order). */
    public static String cursor(Object... values) {
        List<String> parts = new ArrayList<>();
        for (Object v : values) {
            parts.add(v == null ? null : v instanceof EnumType e ? e.getLiteral() : v.toString());
        }
        try {
            return Base64.getUrlEncoder().withoutPadding().encodeToString(JSON.writeValueAsBytes(parts));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static Object convert(Field<?> f, String s) {
        if (s == null) {
            return null;
        }
        Class<?> t = f.getType();
        try {
            if (t == String.class) {
                return s;
            }
            if (t == Long.class) {
                return Long.parseLong(s);
            }
            if (t == Integer.class) {
                return Integer.parseInt(s);
            }
            if (t == Double.class) {
                return Double.parseDouble(s);
            }
            if (t == OffsetDateTime.class) {
                OffsetDateTime time = OffsetDateTime.parse(s);
                if (StorableTime.storable(time)) {
                    return time;
                }
            }
            if (EnumType.class.isAssignableFrom(t)) {
                for (Object e : t.getEnumConstants()) {
                    if (((EnumType) e).getLiteral().equals(s)) {
                        return e;
                    }
                }
            }
        } catch (RuntimeException e) {
            // fall through
        }
        throw GatewayException.invalid("invalid 'after' cursor: pass the 'next' value of the previous page unchanged");
    }

    /** Parses a {@code limit} parameter: default when absent, 400 outside 1..max. */
    public static int limit(String param, int defaultLimit, int max) {
        if (param == null || param.isEmpty()) {
            return defaultLimit;
        }
        try {
            int n = Integer.parseInt(param.trim());
            if (n >= 1 && n <= max) {
                return n;
            }
        } catch (NumberFormatException e) {
            // fall through
        }
        throw GatewayException.invalid("limit must be an integer from 1 to " + max);
    }

}
