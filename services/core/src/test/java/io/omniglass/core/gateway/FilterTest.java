package io.omniglass.core.gateway;

import org.jooq.Condition;
import org.jooq.SQLDialect;
import org.jooq.conf.ParamType;
import org.jooq.impl.DSL;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The filter parser on its own: what SQL it builds (values always bound) and where it points on errors. */
class FilterTest {

    static String sql(String filter) {
        Condition c = Filter.parse(filter, ResourceFields.CURRENT_VALUES);
        return DSL.using(SQLDialect.POSTGRES).renderContext().paramType(ParamType.INDEXED).render(c);
    }

    static String inlined(String filter) {
        Condition c = Filter.parse(filter, ResourceFields.CURRENT_VALUES);
        return DSL.using(SQLDialect.POSTGRES).renderInlined(c);
    }

    @Test
    void valuesAreBoundNeverSpliced() {
        String s = sql("owner = \"x' or 1=1 --\" and key ~ \"a*b?c\"");
        assertThat(s).doesNotContain("1=1").doesNotContain("a%b_c").contains("?");
        assertThat(inlined("key ~ \"a*b?c%_\\\\\"")).contains("like 'a%b_c\\%\\_\\\\' escape '\\'");
    }

    @Test
    void precedenceAndParentheses() {
        assertThat(inlined("owner = a or owner = b and key = c"))
                .isEqualTo(inlined("owner = a or (owner = b and key = c)"));
        assertThat(inlined("(owner = a or owner = b) and key = c")).isNotEqualTo(inlined("owner = a or owner = b and key = c"));
    }

    @Test
    void typedValues() {
        assertThat(inlined("value >= 4.5")).contains("4.5");
        assertThat(inlined("ts > 2026-11-21")).contains("2026-11-21");
        assertThat(inlined("provenance in (observed, intended)")).contains("'observed'").contains("'intended'");
    }

    @Test
    void errorsNameThePosition() {
        assertError("owner = x and colour = red", 15, "unknown field 'colour'");
        assertError("value > high", 9, "needs a number");
        assertError("provenance = guessed", 14, "one of observed, calculated, intended");
        assertError("(owner = x", 11, "expected ')'");
        assertError("owner = \"open", 9, "unterminated");
        assertError("owner = x\u0000", 10, "control character U+0000");
        assertError("value ~ 3", 7, "'~' (glob) needs a text field");
        assertError("owner === x", 8, "expected a value");
        assertError("owner", 6, "expected an operator");
        assertError("x".repeat(Filter.MAX_LENGTH + 1), Filter.MAX_LENGTH + 1, "longer than");
    }

    static void assertError(String filter, int position, String message) {
        assertThatThrownBy(() -> Filter.parse(filter, ResourceFields.CURRENT_VALUES))
                .isInstanceOfSatisfying(FilterException.class, e -> {
                    assertThat(e.position()).as(filter).isEqualTo(position);
                    assertThat(e.getMessage()).as(filter).contains(message);
                });
    }
}
