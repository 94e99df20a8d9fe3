package io.omniglass.core;

import java.util.ArrayList;
import java.util.List;

/** The features a full core runs, in start order. */
public final class Modules {

    private Modules() {
    }

    public static List<CoreModule> all() {
        List<CoreModule> modules = new ArrayList<>();
        modules.add(new io.omniglass.core.gateway.GatewayModule());
        modules.add(new io.omniglass.core.devices.DeviceModule());
        modules.add(new io.omniglass.core.sink.SinkModule());
        modules.add(new io.omniglass.core.plant.PlantModule());
        io.omniglass.core.cdc.CdcModule cdc = new io.omniglass.core.cdc.CdcModule();
        modules.add(cdc);
        modules.add(new io.omniglass.core.rules.RulesModule());
        modules.add(new io.omniglass.core.alarms.AlarmsModule());
        modules.add(new io.omniglass.core.lineage.LineageModule());
        modules.add(new io.omniglass.core.similar.SimilarModule());
        modules.add(new io.omniglass.core.lifecycle.LifecycleModule());
        modules.add(new io.omniglass.core.deadletters.DeadLettersModule());
        modules.add(new io.omniglass.core.fleet.FleetModule(cdc));
        return modules;
    }
}
