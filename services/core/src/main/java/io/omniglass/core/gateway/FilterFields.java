package io.omniglass.core.gateway;

import org.jooq.EnumType;
import org.jooq.Field;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * The closed set of fields a resource can be filtered on, each resolved to a generated column and
 * a value type. Anything not listed here is a 400, never a database error.
 */
public final class FilterFields {

    /** How a filter value is read for a field; also decides which operators make sense. */
    public enum Type { TEXT, LONG, DOUBLE, TIMESTAMP, BOOLEAN, ENUM }

    public record Spec(String name, Field<?> column, Type type, Class<? extends EnumType> enumClass) {
    }

    private final Map<String, Spec> fields;

    private FilterFields(Map<String, Spec> fields) {
        this.fields = Collections.unmodifiableMap(fields);
    }

    public static Builder builder() {
        return new Builder();
    }

    public Spec get(String name) {
        return fields.get(name);
    }

    public Set<String> names() {
        return fields.keySet();
    }

    public static final class Builder {
        private final Map<String, Spec> fields = new LinkedHashMap<>();

        public Builder text(String name, Field<String> column) {
            return add(new Spec(name, column, Type.TEXT, null));
        }

        public Builder number(String name, Field<? extends Number> column) {
            Class<?> t = column.getType();
            Type type = (t == Double.class || t == Float.class || t == java.math.BigDecimal.class) ? Type.DOUBLE : Type.LONG;
            return add(new Spec(name, column, type, null));
        }

        public Builder timestamp(String name, Field<java.time.OffsetDateTime> column) {
            return add(new Spec(name, column, Type.TIMESTAMP, null));
        }

        public Builder bool(String name, Field<Boolean> column) {
            return add(new Spec(name, column, Type.BOOLEAN, null));
        }

        public <E extends Enum<E> & EnumType> Builder enumeration(String name, Field<E> column) {
            return add(new Spec(name, column, Type.ENUM, column.getType()));
        }

        private Builder add(Spec s) {
            if (!s.name().matches("[a-z_][a-z0-9_]*")) {
                throw new IllegalArgumentException("filter field names are lower_snake_case: " + s.name());
            }
            fields.put(s.name(), s);
            return this;
        }

        public FilterFields build() {
            return new FilterFields(new LinkedHashMap<>(fields));
        }
    }
}
