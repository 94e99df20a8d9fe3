package io.omniglass.codegen;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.flywaydb.core.Flyway;
import org.jooq.codegen.GenerationTool;
import org.jooq.meta.jaxb.Configuration;
import org.jooq.meta.jaxb.Database;
import org.jooq.meta.jaxb.Generate;
import org.jooq.meta.jaxb.Generator;
import org.jooq.meta.jaxb.Jdbc;
import org.jooq.meta.jaxb.OnError;
import org.jooq.meta.jaxb.Target;

import java.io.IOException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;

/**
 * Generates the jOOQ classes from the Flyway migrations: migrate a throw-away embedded Postgres,
 * then read its catalog. Skips the work when the migrations have not changed since the last run.
 */
public final class SchemaCodegen {

    private static final String[][] SCHEMAS = {
            {"control", "io.omniglass.schema.control"},
            {"tenant", "io.omniglass.schema.tenant"},
    };

    public static void main(String[] args) throws Exception {
        Path out = Paths.get(args.length > 0 ? args[0] : "target/generated-sources/jooq");
        String fingerprint = fingerprint();
        Path marker = out.resolve(".migrations.sha256");
        if (Files.exists(marker) && Files.readString(marker).equals(fingerprint)) {
            System.out.println("[codegen] migrations unchanged; jOOQ classes are current");
            return;
        }
        deleteTree(out);
        Files.createDirectories(out);
        try (EmbeddedPostgres pg = EmbeddedPostgres.builder().start()) {
            for (String[] schema : SCHEMAS) {
                String db = schema[0];
                try (Connection c = pg.getPostgresDatabase().getConnection(); Statement st = c.createStatement()) {
                    st.execute("CREATE DATABASE " + db);
                }
                String url = pg.getJdbcUrl("postgres", db);
                Flyway.configure()
                        .dataSource(url, "postgres", "postgres")
                        .locations("classpath:omniglass/db/" + db)
                        .load()
                        .migrate();
                GenerationTool.generate(new Configuration()
                        // a half-generated schema must fail the build, not compile into confusing errors
                        .withOnError(OnError.FAIL)
                        .withJdbc(new Jdbc().withDriver("org.postgresql.Driver").withUrl(url)
                                .withUser("postgres").withPassword("postgres"))
                        .withGenerator(new Generator()
                                .withDatabase(new Database()
                                        .withName("org.jooq.meta.postgres.PostgresDatabase")
                                        .withInputSchema("public")
                                        .withOutputSchemaToDefault(true)
                                        .withIncludeRoutines(false)
                                        // partitions are storage detail: queries name the parent table
                                        .withExcludes("flyway_schema_history|.*_p\\d{8}"))
                                .withGenerate(new Generate()
                                        .withRecords(true)
                                        .withPojos(false)
                                        .withJavaTimeTypes(true)
                                        .withGeneratedAnnotation(false)
                                        .withImplicitJoinPathsToOne(false)
                                        .withImplicitJoinPathsToMany(false))
                                .withTarget(new Target().withPackageName(schema[1])
                                        .withDirectory(out.toString()))));
            }
        }
        Files.writeString(marker, fingerprint);
        System.out.println("[codegen] jOOQ classes generated into " + out);
    }

    private static String fingerprint() throws Exception {
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        // a new jOOQ or driver can generate differently: regenerate when they change too
        sha.update((org.jooq.Constants.VERSION + "/" + org.postgresql.util.DriverInfo.DRIVER_VERSION).getBytes(StandardCharsets.UTF_8));
        for (String[] schema : SCHEMAS) {
            URL url = SchemaCodegen.class.getClassLoader().getResource("omniglass/db/" + schema[0]);
            if (url == null) {
                continue;
            }
            if ("jar".equals(url.getProtocol())) {
                // a reactor build hands us the resources jar: fingerprint its entries, so a new
                // migration regenerates the classes there too
                try (java.nio.file.FileSystem fs = java.nio.file.FileSystems.newFileSystem(url.toURI(), java.util.Map.of())) {
                    digest(sha, fs.provider().getPath(url.toURI()));
                }
            } else {
                digest(sha, Paths.get(url.toURI()));
            }
        }
        return HexFormat.of().formatHex(sha.digest());
    }

    private static void digest(MessageDigest sha, Path dir) throws IOException {
        List<Path> files;
        try (Stream<Path> list = Files.list(dir)) {
            files = new ArrayList<>(list.sorted().toList());
        }
        for (Path file : files) {
            sha.update(file.getFileName().toString().getBytes(StandardCharsets.UTF_8));
            sha.update(Files.readAllBytes(file));
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted((a, b) -> b.getNameCount() - a.getNameCount()).toList()) {
                Files.delete(p);
            }
        }
    }

    private SchemaCodegen() {
    }
}
