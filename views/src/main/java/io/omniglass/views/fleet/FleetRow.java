package io.omniglass.views.fleet;

import io.omniglass.views.services.FleetSnapshot.TenantHealth;
import javafx.beans.property.ReadOnlyObjectProperty;
import javafx.beans.property.ReadOnlyObjectWrapper;

/**
 * One tenant on the board. The row stays the same object across refreshes and only its figures
 * change, so the table keeps its selection and scroll position, and the sorted and filtered views
 * move the row when its figures change (their list watches {@link #healthProperty()}).
 */
public final class FleetRow {

    private final String slug;
    private final ReadOnlyObjectWrapper<TenantHealth> health;

    FleetRow(TenantHealth health) {
        this.slug = health.slug();
        this.health = new ReadOnlyObjectWrapper<>(health);
    }

    public String slug() {
        return slug;
    }

    public TenantHealth health() {
        return health.get();
    }

    public ReadOnlyObjectProperty<TenantHealth> healthProperty() {
        return health.getReadOnlyProperty();
    }

    /** False when nothing changed (no event, no re-sort). */
    boolean update(TenantHealth next) {
        if (next.equals(health.get())) {
            return false;
        }
        health.set(next);
        return true;
    }

    public Level level(FleetColumn column) {
        return column.level(health.get());
    }

    public boolean impaired() {
        Level worst = FleetColumn.worst(health.get());
        return worst == Level.WARN || worst == Level.BAD;
    }

    @Override
    public String toString() {
        return slug;
    }
}
