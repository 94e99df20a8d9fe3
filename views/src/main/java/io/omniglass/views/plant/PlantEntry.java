package io.omniglass.views.plant;

import io.omniglass.views.services.PlantNode;
import javafx.beans.property.BooleanProperty;
import javafx.beans.property.SimpleBooleanProperty;
import javafx.beans.property.SimpleStringProperty;
import javafx.beans.property.StringProperty;
import javafx.collections.FXCollections;
import javafx.collections.ObservableList;

/**
 * One node of the plant tree as the screen holds it: the node, its children once loaded (a level
 * is asked for only when it is first opened), and the cursor of children not loaded yet.
 */
public final class PlantEntry {

    private final PlantNode node;
    private final ObservableList<PlantEntry> children = FXCollections.observableArrayList();
    private final BooleanProperty loaded = new SimpleBooleanProperty(false);
    private final BooleanProperty expanded = new SimpleBooleanProperty(false);
    private final StringProperty next = new SimpleStringProperty();

    public PlantEntry(PlantNode node) {
        this.node = node;
    }

    public PlantNode node() {
        return node;
    }

    public String id() {
        return node.id();
    }

    /** Whether the tree should offer to open it (the count comes with the node, nothing is loaded for it). */
    public boolean hasChildren() {
        return node.childCount() > 0;
    }

    public ObservableList<PlantEntry> children() {
        return children;
    }

    public BooleanProperty loadedProperty() {
        return loaded;
    }

    public boolean isLoaded() {
        return loaded.get();
    }

    public BooleanProperty expandedProperty() {
        return expanded;
    }

    /** The cursor of the children not loaded yet (null: all are). */
    public StringProperty nextProperty() {
        return next;
    }

    @Override
    public String toString() {
        return node.id();
    }
}
