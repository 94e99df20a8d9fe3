package io.omniglass.views.connect;

import io.omniglass.views.common.Labels;
import io.omniglass.views.common.ProgressOverlay;
import javafx.geometry.Insets;
import javafx.geometry.Pos;
import javafx.scene.control.Button;
import javafx.scene.control.Label;
import javafx.scene.control.PasswordField;
import javafx.scene.control.TextField;
import javafx.scene.layout.GridPane;
import javafx.scene.layout.VBox;

/** The connect form: core URL, then a token file or a pasted token. */
public final class ConnectView extends VBox {

    public ConnectView(ConnectViewModel vm, Runnable onConnected) {
        setAlignment(Pos.CENTER);
        setSpacing(12);
        setPadding(new Insets(32));
        getStyleClass().add("connect");
        Label title = new Label("Connect to an Omniglass core");
        title.getStyleClass().add("brand");
        TextField url = new TextField();
        url.setId("connect-url");
        url.textProperty().bindBidirectional(vm.urlProperty());
        url.setPrefColumnCount(32);
        url.setPromptText("http://host:8686 (several cores: comma-separated)");
        TextField file = new TextField();
        file.setId("connect-token-file");
        file.setPromptText("path of a file holding the token");
        file.textProperty().bindBidirectional(vm.tokenFileProperty());
        PasswordField token = new PasswordField();
        token.setId("connect-token");
        token.setPromptText("or paste a token (stored in a file only you can read)");
        token.textProperty().bindBidirectional(vm.tokenProperty());
        Button connect = new Button("Connect");
        connect.setId("connect-button");
        connect.setDefaultButton(true);
        connect.disableProperty().bind(vm.busy().busyProperty());
        connect.setOnAction(e -> vm.connect(onConnected));
        GridPane grid = new GridPane();
        grid.setHgap(8);
        grid.setVgap(8);
        grid.setAlignment(Pos.CENTER);
        grid.addRow(0, new Label("Core URL"), url);
        grid.addRow(1, new Label("Token file"), file);
        grid.addRow(2, new Label("Token"), token);
        grid.add(connect, 1, 3);
        Label error = Labels.message(vm.errorProperty(), "error-label");
        error.setId("connect-error");
        error.setMaxWidth(480);
        getChildren().addAll(title, new ProgressOverlay(grid, vm.busy().busyProperty()), error);
    }
}
