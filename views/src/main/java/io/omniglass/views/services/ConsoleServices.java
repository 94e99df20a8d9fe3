package io.omniglass.views.services;

/** Everything the views need from the core, bundled so the shell can hand it on. */
public record ConsoleServices(TenantsService tenants, CurrentValuesService values, AlarmsService alarms,
                              HeatmapService heatmap, LineageService lineage, LiveFeed live, StorageService storage,
                              DeadLettersService deadLetters, AlarmJournalService journal, FleetHealthService fleet,
                              PlantService plant, RulesService rules) {

    /** Without the newer screens' services (each then says so when opened). */
    public ConsoleServices(TenantsService tenants, CurrentValuesService values, AlarmsService alarms,
                           HeatmapService heatmap, LineageService lineage, LiveFeed live, StorageService storage) {
        this(tenants, values, alarms, heatmap, lineage, live, storage, null, null, null, null, null);
    }

    /** Without the storage screen's service (it then shows an error when opened). */
    public ConsoleServices(TenantsService tenants, CurrentValuesService values, AlarmsService alarms,
                           HeatmapService heatmap, LineageService lineage, LiveFeed live) {
        this(tenants, values, alarms, heatmap, lineage, live, (StorageService) null);
    }
}
