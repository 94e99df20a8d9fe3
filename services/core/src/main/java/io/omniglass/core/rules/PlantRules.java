package io.omniglass.core.rules;

import io.omniglass.core.gateway.AuditActor;
import io.omniglass.core.gateway.AuditTrail;
import io.omniglass.core.gateway.Jsonb;
import com.fasterxml.jackson.databind.JsonNode;
import io.omniglass.api.EventRuleRequest;
import io.omniglass.core.plant.PlantRulesImporter;
import io.omniglass.schema.tenant.tables.records.ActionRuleRecord;
import io.omniglass.schema.tenant.tables.records.ActionRuleVersionRecord;
import io.omniglass.schema.tenant.tables.records.CalcRuleRecord;
import io.omniglass.schema.tenant.tables.records.CalcRuleVersionRecord;
import org.jooq.DSLContext;
import org.jooq.JSONB;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

import static io.omniglass.schema.tenant.Tables.ACTION_RULE;
import static io.omniglass.schema.tenant.Tables.ACTION_RULE_VERSION;
import static io.omniglass.schema.tenant.Tables.CALC_RULE;
import static io.omniglass.schema.tenant.Tables.CALC_RULE_VERSION;

/**
 * The {@code rules:} section of a plant description: {@code event_rules}, {@code action_rules},
 * {@code calc_rules}, each upserted by name (a changed definition makes a new version; an
 * unchanged one changes nothing, so importing twice is harmless). Running cores pick the rules
 * up from the CDC feed of the rule tables.
 */
public final class PlantRules implements PlantRulesImporter {

    @Override
    public Map<String, Integer> importRules(DSLContext tx, JsonNode rules, AuditActor actor) {
        Map<String, Integer> counts = new LinkedHashMap<>();
        int n = 0;
        for (JsonNode r : rules.path("event_rules")) {
            EventRuleStore.upsertByName(tx, new EventRuleRequest(text(r, "name"), text(r, "selector"), text(r, "key"),
                    r.get("condition"), r.path("severity").asText("warning"), r.path("message").asText(""),
                    r.path("enabled").asBoolean(true)), actor);
            n++;
        }
        counts.put("event_rules", n);
        n = 0;
        for (JsonNode r : rules.path("action_rules")) {
            upsertActionRule(tx, r, actor);
            n++;
        }
        counts.put("action_rules", n);
        n = 0;
        for (JsonNode r : rules.path("calc_rules")) {
            upsertCalcRule(tx, r, actor);
            n++;
        }
        counts.put("calc_rules", n);
        return counts;
    }

    static void upsertActionRule(DSLContext tx, JsonNode r, AuditActor actor) {
        String name = text(r, "name");
        JsonNode trigger = r.get("trigger");
        JsonNode command = r.get("command");
        if (trigger == null || !trigger.path("event_rule").isTextual()) {
            throw new IllegalArgumentException("action rule " + name + ": trigger needs {\"event_rule\": NAME, \"state\": \"active\"}");
        }
        if (command == null || !command.path("owner").isTextual() || !command.path("key").isTextual() || !command.has("value")) {
            throw new IllegalArgumentException("action rule " + name + ": command needs {\"owner\", \"key\", \"value\"}");
        }
        Owner.parse(command.get("owner").asText());
        JSONB t = Jsonb.of(trigger);
        JSONB c = Jsonb.of(command);
        ActionRuleRecord rule = tx.selectFrom(ACTION_RULE).where(ACTION_RULE.NAME.eq(name)).forUpdate().fetchOne();
        int version;
        long id;
        if (rule == null) {
            id = tx.insertInto(ACTION_RULE).set(ACTION_RULE.NAME, name).set(ACTION_RULE.CURRENT_VERSION, 1)
                    .returning(ACTION_RULE.ID).fetchOne().getId();
            version = 1;
        } else {
            ActionRuleVersionRecord cur = tx.selectFrom(ACTION_RULE_VERSION).where(ACTION_RULE_VERSION.ACTION_RULE_ID.eq(rule.getId())
                    .and(ACTION_RULE_VERSION.VERSION.eq(rule.getCurrentVersion()))).fetchOne();
            if (cur != null && same(cur.getTrigger(), trigger) && same(cur.getCommand(), command) && rule.getDeletedAt() == null) {
                return;
            }
            id = rule.getId();
            version = rule.getCurrentVersion() + 1;
        }
        tx.insertInto(ACTION_RULE_VERSION)
                .set(ACTION_RULE_VERSION.ACTION_RULE_ID, id)
                .set(ACTION_RULE_VERSION.VERSION, version)
                .set(ACTION_RULE_VERSION.TRIGGER, t)
                .set(ACTION_RULE_VERSION.COMMAND, c)
                .set(ACTION_RULE_VERSION.CREATED_BY, actor.name())
                .execute();
        tx.update(ACTION_RULE).set(ACTION_RULE.CURRENT_VERSION, version).setNull(ACTION_RULE.DELETED_AT)
                .where(ACTION_RULE.ID.eq(id)).execute();
        AuditTrail.TENANT.write(tx, actor, version == 1 ? "action_rule.create" : "action_rule.update", "action_rule:" + id, null,
                Map.of("name", name, "version", version, "trigger", trigger, "command", command));
    }

    static void upsertCalcRule(DSLContext tx, JsonNode r, AuditActor actor) {
        String name = text(r, "name");
        JsonNode inputs = r.get("inputs");
        String expression = text(r, "expression");
        String outOwner = r.path("output").path("owner").asText(null);
        String outKey = r.path("output").path("key").asText(null);
        if (outOwner == null || outKey == null) {
            throw new IllegalArgumentException("calc rule " + name + ": output needs {\"owner\", \"key\"}");
        }
        CalcEngine.define(0, 1, name, inputs, expression, outOwner, outKey); // validates
        CalcRuleRecord rule = tx.selectFrom(CALC_RULE).where(CALC_RULE.NAME.eq(name)).forUpdate().fetchOne();
        int version;
        long id;
        if (rule == null) {
            id = tx.insertInto(CALC_RULE).set(CALC_RULE.NAME, name).set(CALC_RULE.CURRENT_VERSION, 1)
                    .returning(CALC_RULE.ID).fetchOne().getId();
            version = 1;
        } else {
            CalcRuleVersionRecord cur = tx.selectFrom(CALC_RULE_VERSION).where(CALC_RULE_VERSION.CALC_RULE_ID.eq(rule.getId())
                    .and(CALC_RULE_VERSION.VERSION.eq(rule.getCurrentVersion()))).fetchOne();
            if (cur != null && same(cur.getInputs(), inputs) && cur.getExpression().equals(expression)
                    && cur.getOutputOwner().equals(outOwner) && cur.getOutputKey().equals(outKey) && rule.getDeletedAt() == null) {
                return;
            }
            id = rule.getId();
            version = rule.getCurrentVersion() + 1;
        }
        tx.insertInto(CALC_RULE_VERSION)
                .set(CALC_RULE_VERSION.CALC_RULE_ID, id)
                .set(CALC_RULE_VERSION.VERSION, version)
                .set(CALC_RULE_VERSION.INPUTS, Jsonb.of(inputs))
                .set(CALC_RULE_VERSION.EXPRESSION, expression)
                .set(CALC_RULE_VERSION.OUTPUT_OWNER, outOwner)
                .set(CALC_RULE_VERSION.OUTPUT_KEY, outKey)
                .set(CALC_RULE_VERSION.CREATED_BY, actor.name())
                .execute();
        tx.update(CALC_RULE).set(CALC_RULE.CURRENT_VERSION, version).setNull(CALC_RULE.DELETED_AT)
                .where(CALC_RULE.ID.eq(id)).execute();
        AuditTrail.TENANT.write(tx, actor, version == 1 ? "calc_rule.create" : "calc_rule.update", "calc_rule:" + id, null,
                Map.of("name", name, "version", version, "inputs", inputs, "expression", expression));
    }

    private static boolean same(JSONB stored, JsonNode given) {
        try {
            return Objects.equals(io.omniglass.api.OmniglassClient.JSON.readTree(stored.data()), given);
        } catch (IOException e) {
            return false;
        }
    }

    private static String text(JsonNode r, String field) {
        if (!r.path(field).isTextual() || r.get(field).asText().isBlank()) {
            throw new IllegalArgumentException("rule needs \"" + field + "\": " + r);
        }
        return r.get(field).asText();
    }
}
