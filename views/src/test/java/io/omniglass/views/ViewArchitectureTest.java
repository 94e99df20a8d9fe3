package io.omniglass.views;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

/**
 * The views' boundaries (modelled on JabRef's MainArchitectureTest): a view-model is plain state
 * and logic, testable without a toolkit, so it never touches the scene graph; and the views talk
 * to the core only through the services the app wires in, never over HTTP themselves.
 */
class ViewArchitectureTest {

    static final String VIEWS = "io.omniglass.views";
    static JavaClasses views;

    @BeforeAll
    static void importClasses() {
        views = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS).importPackages(VIEWS);
    }

    @Test
    void viewModelsDoNotTouchTheSceneGraph() {
        ArchRule rule = noClasses().that().haveSimpleNameEndingWith("ViewModel")
                .should().dependOnClassesThat().resideInAPackage("javafx.scene..")
                .because("a view-model is tested without a toolkit; its view binds the scene to it");
        rule.check(views);
    }

    @Test
    void viewsDoNotSeeHttp() {
        ArchRule rule = noClasses().that().resideInAPackage(VIEWS + "..")
                .should().dependOnClassesThat().resideInAPackage("java.net.http..")
                // by name, nested classes too: the client's classes are outside the import, so
                // belongToAnyOf cannot see that ApiException is nested in OmniglassClient
                .orShould().dependOnClassesThat().haveNameMatching("io\\.omniglass\\.api\\.OmniglassClient(\\$.*)?")
                .because("the views see records and services; the app owns the client and its transport");
        rule.check(views);
    }
}
