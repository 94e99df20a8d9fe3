package io.omniglass.core.sink;

import io.omniglass.schema.tenant.enums.DatapointKind;
import io.omniglass.schema.tenant.enums.OwnerKind;
import io.omniglass.schema.tenant.enums.Provenance;
import io.omniglass.schema.tenant.enums.RegistryScope;
import io.omniglass.schema.tenant.tables.records.SeriesRecord;
import org.jooq.DSLContext;
import org.jooq.InsertValuesStep10;
import org.jooq.exception.DataAccessException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

import static io.omniglass.schema.tenant.Tables.COMPONENT;
import static io.omniglass.schema.tenant.Tables.DATAPOINT_TYPE;
import static io.omniglass.schema.tenant.Tables.EVENT;
import static io.omniglass.schema.tenant.Tables.LOCATION;
import static io.omniglass.schema.tenant.Tables.NODE;
import static io.omniglass.schema.tenant.Tables.SERIES;
import static io.omniglass.schema.tenant.Tables.SOURCE_RULE;
import static io.omniglass.schema.tenant.Tables.SYSTEM;
import static org.jooq.impl.DSL.any;

/**
 * What the sink must know about a tenant to store a datapoint: which owners, keys and events exist,
 * and the ids of series and source rules (created on first sight). Everything is cached and looked
 * up in bulk, once per batch for the misses, so steady-state batches cost no lookups at all.
 * Used by one sink worker thread; not thread-safe.
 */
final class TenantCatalog {

    private static final Logger log = LoggerFactory.getLogger(TenantCatalog.class);
    private static final int MAX_SERIES_CACHED = 2_000_000;
    private static final int MAX_EVENTS_CACHED = 100_000;

    record KeyInfo(int id, DatapointKind kind) {
    }

    /**
     * A series as its row names it. A class, not a record: a batch looks each of its rows' keys up
     * several times, and with a record's generated hashCode and equals (method handles over every
     * component) those lookups were a fifth of the core's CPU samples in a replay; this one hashes once.
     */
    static final class SeriesKey {
        private final OwnerRef owner;
        private final int typeId;
        private final DatapointKind kind;
        private final String instance;
        private final Provenance provenance;
        private final String source;
        private final int hash;

        SeriesKey(OwnerRef owner, int typeId, DatapointKind kind, String instance, Provenance provenance, String source) {
            this.owner = owner;
            this.typeId = typeId;
            this.kind = kind;
            this.instance = instance;
            this.provenance = provenance;
            this.source = source;
            this.hash = Objects.hash(owner, typeId, kind, instance, provenance, source);
        }

        OwnerRef owner() {
            return owner;
        }

        int typeId() {
            return typeId;
        }

        DatapointKind kind() {
            return kind;
        }

        String instance() {
            return instance;
        }

        Provenance provenance() {
            return provenance;
        }

        String source() {
            return source;
        }

        @Override
        public int hashCode() {
            return hash;
        }

        @Override
        public boolean equals(Object o) {
            return this == o || o instanceof SeriesKey k && hash == k.hash && typeId == k.typeId && kind == k.kind
                    && provenance == k.provenance && owner.equals(k.owner) && Objects.equals(instance, k.instance)
                    && Objects.equals(source, k.source);
        }

        @Override
        public String toString() {
            return "SeriesKey[" + owner + ", " + typeId + ", " + kind + ", " + instance + ", " + provenance + ", " + source + "]";
        }
    }

    record SourceRuleKey(String name, int version) {
        // written out: the record's generated ones are method handles over the components, slow on a per-row path
        @Override
        public int hashCode() {
            return 31 * name.hashCode() + version;
        }

        @Override
        public boolean equals(Object o) {
            return this == o || o instanceof SourceRuleKey k && version == k.version && name.equals(k.name);
        }
    }

    private record TemplateKey(long templateId, String name) {
    }

    private final DSLContext db;
    private final Set<OwnerRef> owners = new HashSet<>();
    private final Map<String, KeyInfo> keys = new HashMap<>();
    /** Template-scoped keys: a component made from a template may use its template's own keys. */
    private final Map<TemplateKey, KeyInfo> templateKeys = new HashMap<>();
    private final Set<String> knownKeyNames = new HashSet<>();
    private final Map<String, Long> componentTemplate = new HashMap<>();
    private final Map<Long, Boolean> events = new LinkedHashMap<>(1024, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Long, Boolean> eldest) {
            return size() > MAX_EVENTS_CACHED;
        }
    };
    private final Map<SourceRuleKey, Integer> sourceRules = new HashMap<>();
    private final Map<SeriesKey, Long> series = new HashMap<>();
    private final Map<Object, String> refusals = new HashMap<>();

    TenantCatalog(DSLContext db) {
        this.db = db;
        owners.add(OwnerRef.GLOBAL);
    }

    /** Looks up, in one query per table, every owner, key and event of these candidates not yet known. */
    void prefetch(Collection<Candidate> candidates) {
        refusals.clear(); // a new batch
        Map<OwnerKind, Set<String>> ownerMisses = new EnumMap<>(OwnerKind.class);
        Set<String> keyMisses = new HashSet<>();
        Set<Long> eventMisses = new HashSet<>();
        for (Candidate c : candidates) {
            if (!owners.contains(c.owner())) {
                ownerMisses.computeIfAbsent(c.owner().kind(), k -> new HashSet<>()).add(c.owner().name());
            }
            if (!knownKeyNames.contains(c.key())) {
                keyMisses.add(c.key());
            }
            if (c.eventId() != null && !events.containsKey(c.eventId())) {
                eventMisses.add(c.eventId());
            }
            if (c.causedByEventId() != null && !events.containsKey(c.causedByEventId())) {
                eventMisses.add(c.causedByEventId());
            }
        }
        ownerMisses.forEach((kind, names) -> {
            List<String> found = switch (kind) {
                case component -> {
                    List<String> hit = new ArrayList<>();
                    db.select(COMPONENT.NAME, COMPONENT.TEMPLATE_ID).from(COMPONENT)
                            .where(COMPONENT.NAME.eq(any(strings(names))))
                            .forEach(r -> {
                                hit.add(r.value1());
                                if (r.value2() != null) {
                                    componentTemplate.put(r.value1(), r.value2());
                                }
                            });
                    yield hit;
                }
                case system -> db.select(SYSTEM.NAME).from(SYSTEM).where(SYSTEM.NAME.eq(any(strings(names)))).fetch(SYSTEM.NAME);
                case location -> db.select(LOCATION.NAME).from(LOCATION).where(LOCATION.NAME.eq(any(strings(names)))).fetch(LOCATION.NAME);
                case node -> db.select(NODE.NAME).from(NODE).where(NODE.NAME.eq(any(strings(names)))).fetch(NODE.NAME);
                case global -> List.of();
            };
            found.forEach(n -> owners.add(new OwnerRef(kind, n)));
        });
        if (!keyMisses.isEmpty()) {
            db.select(DATAPOINT_TYPE.ID, DATAPOINT_TYPE.NAME, DATAPOINT_TYPE.KIND, DATAPOINT_TYPE.SCOPE, DATAPOINT_TYPE.TEMPLATE_ID)
                    .from(DATAPOINT_TYPE)
                    .where(DATAPOINT_TYPE.NAME.eq(any(strings(keyMisses))))
                    .forEach(r -> {
                        KeyInfo k = new KeyInfo(r.value1(), r.value3());
                        if (r.value4() == RegistryScope.template) {
                            templateKeys.put(new TemplateKey(r.value5(), r.value2()), k);
                        } else {
                            keys.put(r.value2(), k);
                        }
                        knownKeyNames.add(r.value2());
                    });
        }
        if (!eventMisses.isEmpty()) {
            db.select(EVENT.ID).from(EVENT).where(EVENT.ID.eq(any(eventMisses.toArray(Long[]::new)))).fetch(EVENT.ID)
                    .forEach(id -> events.put(id, Boolean.TRUE));
        }
    }

    boolean ownerExists(OwnerRef owner) {
        return owners.contains(owner);
    }

    /** The key {@code name} as {@code owner} sees it: its template's own key first, else the org/official one. */
    KeyInfo key(OwnerRef owner, String name) {
        if (owner.kind() == OwnerKind.component) {
            Long template = componentTemplate.get(owner.name());
            if (template != null) {
                KeyInfo k = templateKeys.get(new TemplateKey(template, name));
                if (k != null) {
                    return k;
                }
            }
        }
        return keys.get(name);
    }

    boolean eventExists(long id) {
        return events.containsKey(id);
    }

    /** Source rule ids for these (name, version)s, creating the rows missing (safe to race: ON CONFLICT). */
    Map<SourceRuleKey, Integer> sourceRules(Set<SourceRuleKey> wanted) {
        List<SourceRuleKey> missing = wanted.stream().filter(k -> !sourceRules.containsKey(k)).toList();
        if (!missing.isEmpty()) {
            try {
                insertSourceRules(missing);
            } catch (DataAccessException e) {
                if (!DataRefusal.isData(e)) {
                    throw e;
                }
                log.warn("creating {} source rules in bulk was refused ({}); creating them one by one", missing.size(), DataRefusal.describe(e));
                for (SourceRuleKey k : missing) {
                    try {
                        insertSourceRules(List.of(k));
                    } catch (DataAccessException one) {
                        if (!DataRefusal.isData(one)) {
                            throw one;
                        }
                        refusals.put(k, DataRefusal.describe(one));
                    }
                }
            }
            Set<String> names = new HashSet<>();
            missing.stream().filter(k -> !refusals.containsKey(k)).forEach(k -> names.add(k.name()));
            db.select(SOURCE_RULE.ID, SOURCE_RULE.NAME, SOURCE_RULE.VERSION).from(SOURCE_RULE)
                    .where(SOURCE_RULE.NAME.eq(any(strings(names))))
                    .forEach(r -> sourceRules.put(new SourceRuleKey(r.value2(), r.value3()), r.value1()));
        }
        return Collections.unmodifiableMap(sourceRules);
    }

    private void insertSourceRules(List<SourceRuleKey> keys) {
        var insert = db.insertInto(SOURCE_RULE, SOURCE_RULE.NAME, SOURCE_RULE.VERSION);
        for (SourceRuleKey k : keys) {
            insert = insert.values(k.name(), k.version());
        }
        insert.onConflictDoNothing().execute();
    }

    /**
     * Why the database refused to create this series or source rule in this batch (since
     * {@link #prefetch}); null if it did not.
     */
    String refusal(Object key) {
        return refusals.get(key);
    }

    /**
     * Series ids for these keys, creating the series missing. A key whose series cannot be created
     * (its owner vanished meanwhile, or the database refuses its text) is absent from the answer,
     * and {@link #refusal} says why; the other keys are created all the same.
     */
    Map<SeriesKey, Long> series(Set<SeriesKey> wanted) {
        List<SeriesKey> missing = wanted.stream().filter(k -> !series.containsKey(k)).toList();
        if (!missing.isEmpty()) {
            if (series.size() + missing.size() > MAX_SERIES_CACHED) {
                series.clear();
            }
            try {
                for (List<SeriesKey> chunk : chunks(missing, 5000)) { // 10 bind values each, under the 65535 limit
                    insertSeries(chunk);
                }
            } catch (DataAccessException e) {
                if (!DataRefusal.isData(e)) {
                    throw e; // the database's trouble, not the data's: the batch is redelivered
                }
                log.warn("creating {} series in bulk was refused ({}); creating them one by one", missing.size(), DataRefusal.describe(e));
                for (SeriesKey k : missing) {
                    try {
                        insertSeries(List.of(k));
                    } catch (DataAccessException one) {
                        if (!DataRefusal.isData(one)) {
                            throw one;
                        }
                        refusals.put(k, DataRefusal.describe(one));
                        log.warn("series {} {} cannot be created: {}", k.owner(), k.typeId(), DataRefusal.describe(one));
                    }
                }
            }
            loadSeries(missing);
        }
        return Collections.unmodifiableMap(series);
    }

    private void insertSeries(List<SeriesKey> keys) {
        InsertValuesStep10<SeriesRecord, OwnerKind, String, String, String, String, Integer, DatapointKind, String, Provenance, String> insert =
                db.insertInto(SERIES, SERIES.OWNER_KIND, SERIES.COMPONENT_ID, SERIES.SYSTEM_ID, SERIES.LOCATION_ID,
                        SERIES.NODE_ID, SERIES.DATAPOINT_TYPE_ID, SERIES.KIND, SERIES.INSTANCE, SERIES.PROVENANCE, SERIES.SOURCE);
        for (SeriesKey k : keys) {
            OwnerKind ok = k.owner().kind();
            String n = k.owner().name();
            insert = insert.values(ok, ok == OwnerKind.component ? n : null, ok == OwnerKind.system ? n : null,
                    ok == OwnerKind.location ? n : null, ok == OwnerKind.node ? n : null,
                    k.typeId(), k.kind(), k.instance(), k.provenance(), k.source());
        }
        insert.onConflictDoNothing().execute();
    }

    private void loadSeries(List<SeriesKey> keys) {
        Set<String> ownerTexts = new HashSet<>();
        Set<Integer> types = new HashSet<>();
        for (SeriesKey k : keys) {
            ownerTexts.add(k.owner().toString());
            types.add(k.typeId());
        }
        {
            db.select(SERIES.ID, SERIES.OWNER_KIND, SERIES.OWNER, SERIES.DATAPOINT_TYPE_ID, SERIES.KIND,
                            SERIES.INSTANCE, SERIES.PROVENANCE, SERIES.SOURCE)
                    .from(SERIES)
                    .where(SERIES.OWNER.eq(any(strings(ownerTexts))))
                    .and(SERIES.DATAPOINT_TYPE_ID.eq(any(types.toArray(Integer[]::new))))
                    .forEach(r -> {
                        String owner = r.value3();
                        OwnerRef ref = r.value2() == OwnerKind.global ? OwnerRef.GLOBAL
                                : new OwnerRef(r.value2(), owner.substring(owner.indexOf(':') + 1));
                        series.put(new SeriesKey(ref, r.value4(), r.value5(), r.value6(), r.value7(), r.value8()), r.value1());
                    });
        }
    }

    private static String[] strings(Collection<String> c) {
        return c.toArray(String[]::new);
    }

    private static <T> List<List<T>> chunks(List<T> all, int size) {
        List<List<T>> out = new ArrayList<>();
        for (int i = 0; i < all.size(); i += size) {
            out.add(all.subList(i, Math.min(all.size(), i + size)));
        }
        return out;
    }

    /** A key that resolved to nothing for some owner is looked up afresh next batch (it may be created meanwhile). */
    void forgetKey(String name) {
        knownKeyNames.remove(name);
    }
}
