package dev.soal.runtime;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.core.WireMockConfiguration;
import com.github.tomakehurst.wiremock.extension.ResponseDefinitionTransformerV2;
import com.github.tomakehurst.wiremock.http.ResponseDefinition;
import com.github.tomakehurst.wiremock.stubbing.ServeEvent;
import dev.soal.core.TableSettings;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicBoolean;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.containing;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.matching;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The {@code soal} catalog as it is in AWS ({@code SOAL_CATALOG=glue}): Iceberg's GlueCatalog, with the classes the
 * runtime image carries (this module's test classpath is the image's {@code spark-home}), speaking to the Glue Data
 * Catalog. Glue is WireMock with a catalog of its own (databases, tables, versions) behind the operations Iceberg
 * calls, answering as the Glue service model says (JSON 1.1, {@code X-Amz-Target: AWSGlue.<Operation>}, errors as
 * {@code __type} and {@code Message}). The tables' files are on the local disk: S3FileIO is not exercised here.
 */
class GlueCatalogWireTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final GlueCatalogState GLUE = new GlueCatalogState();
    private static WireMockServer glue;
    private static SparkSession spark;

    @TempDir
    static Path tmp;

    @BeforeAll
    static void start() {
        glue = new WireMockServer(WireMockConfiguration.options().dynamicPort().bindAddress("127.0.0.1").extensions(GLUE));
        glue.start();
        glue.stubFor(any(anyUrl()).willReturn(aResponse().withStatus(500)));
        System.setProperty("aws.region", "eu-west-1");
        System.setProperty("aws.accessKeyId", "AKIDEXAMPLE");
        System.setProperty("aws.secretAccessKey", "secret");
        SparkSession.Builder b = SparkSession.builder();
        SparkSettings.lambda(1, tmp.resolve("lambda-tmp")).forEach(b::config);
        SparkSettings.tables(TableSettings.glue("s3://soal-data/warehouse/")).forEach(b::config);
        // this test's own: Glue at WireMock, the files on the local disk
        b.config("spark.sql.catalog.soal.glue.endpoint", glue.baseUrl());
        b.config("spark.sql.catalog.soal.io-impl", "org.apache.iceberg.hadoop.HadoopFileIO");
        b.config("spark.sql.catalog.soal.warehouse", tmp.resolve("warehouse").toUri().toString());
        spark = b.getOrCreate();
    }

    @AfterAll
    static void stop() {
        spark.stop();
        glue.stop();
        System.clearProperty("aws.region");
        System.clearProperty("aws.accessKeyId");
        System.clearProperty("aws.secretAccessKey");
    }

    @Test
    void namespaces_createdAndListed_onlyIcebergTablesListed_andAMissingNamespaceIsSparksOwnError() {
        spark.sql("CREATE NAMESPACE soal.listings");
        // a table some other tool made in the same database: not Iceberg's
        GLUE.putTable("listings", "raw_csv", Map.of("classification", "csv"));
        spark.sql("CREATE TABLE soal.listings.prices (id BIGINT, price DOUBLE) USING iceberg");

        List<String> namespaces = spark.sql("SHOW NAMESPACES IN soal").collectAsList().stream().map(r -> r.getString(0)).toList();
        List<String> tables = spark.sql("SHOW TABLES IN soal.listings").collectAsList().stream()
                .map(r -> r.getString(0) + "." + r.getString(1)).toList();

        assertThat(namespaces).contains("listings");
        assertThat(tables).containsExactly("listings.prices");
        assertThat(GLUE.requests("CreateDatabase")).anySatisfy(r ->
                assertThat(r.path("DatabaseInput").path("Name").asText()).isEqualTo("listings"));
        // signed for Glue in the environment's region
        glue.verify(postRequestedFor(urlEqualTo("/"))
                .withHeader("X-Amz-Target", equalTo("AWSGlue.CreateDatabase"))
                .withHeader("Content-Type", containing("application/x-amz-json-1.1"))
                .withHeader("Authorization", matching("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/\\d{8}/eu-west-1/glue/aws4_request.*")));
        // Glue's EntityNotFoundException is Spark's missing schema
        assertThatThrownBy(() -> spark.sql("DESCRIBE NAMESPACE soal.missing").collect())
                .hasMessageContaining("SCHEMA_NOT_FOUND").hasMessageContaining("missing");
    }

    @Test
    void createWriteRead_eachCommitAConditionalUpdateTable_andGluesConcurrentModificationRetried() {
        spark.sql("CREATE NAMESPACE soal.sales");
        spark.sql("CREATE TABLE soal.sales.orders (id BIGINT, amount DOUBLE) USING iceberg");
        spark.sql("INSERT INTO soal.sales.orders VALUES (1, 10.0)");
        // another writer updates the table between this commit's read of it and its UpdateTable
        GLUE.refuseNextUpdate.set(true);
        spark.sql("INSERT INTO soal.sales.orders VALUES (2, 20.0)");

        assertThat(spark.sql("SELECT sum(amount), count(*) FROM soal.sales.orders").first().toString()).isEqualTo("[30.0,2]");
        assertThat(spark.sql("SELECT count(*) FROM soal.sales.orders.snapshots").first().getLong(0)).isEqualTo(2);

        JsonNode created = GLUE.requests("CreateTable").stream()
                .filter(r -> r.path("TableInput").path("Name").asText().equals("orders")).findFirst().orElseThrow();
        assertThat(created.path("DatabaseName").asText()).isEqualTo("sales");
        assertThat(created.path("TableInput").path("Name").asText()).isEqualTo("orders");
        assertThat(created.path("TableInput").path("Parameters").path("table_type").asText()).isEqualTo("ICEBERG");
        // two inserts: three UpdateTable calls, the refused one and its retry carrying the same (stale, then fresh)
        // version; each swaps metadata_location from the previous one
        List<JsonNode> updates = GLUE.requests("UpdateTable").stream()
                .filter(r -> r.path("TableInput").path("Name").asText().equals("orders")).toList();
        assertThat(updates).hasSize(3);
        assertThat(updates).extracting(u -> u.path("VersionId").asText()).containsExactly("1", "2", "3");
        String first = created.path("TableInput").path("Parameters").path("metadata_location").asText();
        assertThat(updates.get(0).path("TableInput").path("Parameters").path("previous_metadata_location").asText())
                .isEqualTo(first);
        assertThat(GLUE.table("sales", "orders").path("Parameters").path("metadata_location").asText())
                .isEqualTo(updates.get(2).path("TableInput").path("Parameters").path("metadata_location").asText())
                .isNotEqualTo(first);
    }

    @Test
    void aHudiTableNamedInADatabase_isInThatGlueDatabase_withItsPartitions_andATakenNameIsLeftAlone() {
        String path = tmp.resolve("hudi-purchases").toUri().toString();
        spark.sql("CREATE DATABASE IF NOT EXISTS shop");
        spark.sql("CREATE TABLE shop.purchases (id BIGINT, amount DECIMAL(10,2), tags ARRAY<STRING>, ts BIGINT, day STRING)"
                + " USING hudi PARTITIONED BY (day) LOCATION '" + path + "' TBLPROPERTIES (primaryKey = 'id', preCombineField = 'ts')");
        // Glue refuses the first registration: the statement fails naming the table, and its commit stands
        GLUE.refuseNext.put("CreateTable", "AccessDeniedException");
        assertThatThrownBy(() -> spark.sql("INSERT INTO shop.purchases VALUES (1, 10.00, array('a'), 1, '2026-12-06')"))
                .hasStackTraceContaining("Hudi table shop.purchases").hasStackTraceContaining("which stands")
                .hasStackTraceContaining("AccessDeniedException");
        assertThat(GLUE.table("shop", "purchases")).isNull();
        spark.sql("REFRESH TABLE shop.purchases"); // the failed statement did not refresh the session's cache of it
        assertThat(spark.sql("SELECT count(*) FROM shop.purchases").first().getLong(0)).isEqualTo(1);

        // the next commit registers it, with every partition the table has, not only its own
        spark.sql("INSERT INTO shop.purchases VALUES (4, 40.00, array('d'), 1, '2026-12-05')");
        JsonNode t = GLUE.table("shop", "purchases");
        assertThat(t).as("registered").isNotNull();
        assertThat(GLUE.requests("CreateDatabase")).anySatisfy(r ->
                assertThat(r.path("DatabaseInput").path("Name").asText()).isEqualTo("shop"));
        assertThat(t.path("TableType").asText()).isEqualTo("EXTERNAL_TABLE");
        assertThat(t.path("Parameters").path("spark.sql.sources.provider").asText()).isEqualTo("hudi");
        Map<String, String> columns = new java.util.LinkedHashMap<>();
        t.path("StorageDescriptor").path("Columns").forEach(c -> columns.put(c.path("Name").asText(), c.path("Type").asText()));
        assertThat(columns).containsEntry("_hoodie_commit_time", "string").containsEntry("id", "bigint")
                .containsEntry("amount", "decimal(10,2)").containsEntry("tags", "array<string>").containsEntry("ts", "bigint")
                .doesNotContainKey("day");
        assertThat(t.path("PartitionKeys")).singleElement().satisfies(k -> {
            assertThat(k.path("Name").asText()).isEqualTo("day");
            assertThat(k.path("Type").asText()).isEqualTo("string");
        });
        String location = t.path("StorageDescriptor").path("Location").asText();
        assertThat(location).endsWith("hudi-purchases");
        assertThat(t.path("StorageDescriptor").path("InputFormat").asText()).isEqualTo("org.apache.hudi.hadoop.HoodieParquetInputFormat");
        assertThat(GLUE.partitions("shop", "purchases")).containsExactlyInAnyOrder(List.of("2026-12-06"), List.of("2026-12-05"));
        JsonNode batch = GLUE.requests("BatchCreatePartition").get(0);
        assertThat(batch.path("PartitionInputList")).allSatisfy(p -> assertThat(p.path("StorageDescriptor").path("Location").asText())
                .isEqualTo(location + "/day=" + p.path("Values").get(0).asText()));

        // a MERGE (for which Hudi's own meta sync is off) into a new day and an old one: the new day's partition, and
        // no new version of an unchanged table
        spark.sql("MERGE INTO shop.purchases t USING (SELECT CAST(2 AS BIGINT) AS id, CAST(20.00 AS DECIMAL(10,2)) AS amount,"
                + " array('b') AS tags, CAST(2 AS BIGINT) AS ts, '2026-12-07' AS day UNION ALL SELECT 1, 11.00, array('a'), 2,"
                + " '2026-12-06') s ON t.id = s.id WHEN MATCHED THEN UPDATE SET * WHEN NOT MATCHED THEN INSERT *");
        assertThat(GLUE.partitions("shop", "purchases")).containsExactlyInAnyOrder(List.of("2026-12-06"), List.of("2026-12-05"),
                List.of("2026-12-07"));
        assertThat(GLUE.requests("UpdateTable")).noneSatisfy(r ->
                assertThat(r.path("TableInput").path("Name").asText()).isEqualTo("purchases"));
        // an UPDATE's commit too
        spark.sql("INSERT INTO shop.purchases VALUES (3, 30.00, array('c'), 3, '2026-12-08')");
        spark.sql("UPDATE shop.purchases SET amount = 31.00, ts = 4 WHERE id = 3");
        assertThat(GLUE.partitions("shop", "purchases")).hasSize(4);

        // a name Glue already has for an Iceberg table: refused, and the Iceberg table left as it was
        GLUE.putTable("shop", "taken", Map.of("table_type", "ICEBERG", "metadata_location", "s3://w/taken/00001.metadata.json"));
        spark.sql("CREATE TABLE shop.taken (id BIGINT, ts BIGINT) USING hudi LOCATION '" + tmp.resolve("hudi-taken").toUri()
                + "' TBLPROPERTIES (primaryKey = 'id', preCombineField = 'ts')");
        assertThatThrownBy(() -> spark.sql("INSERT INTO shop.taken VALUES (1, 1)"))
                .hasStackTraceContaining("Glue already has a table shop.taken that is not a Hudi table (ICEBERG)");
        assertThat(GLUE.table("shop", "taken").path("Parameters").path("metadata_location").asText())
                .isEqualTo("s3://w/taken/00001.metadata.json");
        assertThat(GLUE.requests("UpdateTable")).noneSatisfy(r ->
                assertThat(r.path("TableInput").path("Name").asText()).isEqualTo("taken"));

        // a Hudi table of Spark's default database is the job's own
        spark.sql("CREATE TABLE scratch (id BIGINT, ts BIGINT) USING hudi LOCATION '" + tmp.resolve("hudi-scratch").toUri()
                + "' TBLPROPERTIES (primaryKey = 'id', preCombineField = 'ts')");
        spark.sql("INSERT INTO scratch VALUES (1, 1)");
        assertThat(GLUE.requests("GetTable")).noneSatisfy(r -> assertThat(r.path("Name").asText()).isEqualTo("scratch"));
        assertThat(GLUE.requests("CreateTable")).noneSatisfy(r ->
                assertThat(r.path("TableInput").path("Name").asText()).isEqualTo("scratch"));
        assertThat(GLUE.requests("GetDatabase")).noneSatisfy(r -> assertThat(r.path("Name").asText()).isEqualTo("default"));
    }

    /**
     * The Glue operations Iceberg's catalog calls, over a catalog kept here: {@code GetDatabase},
     * {@code GetDatabases}, {@code CreateDatabase}, {@code GetTables}, {@code GetTable}, {@code CreateTable}, {@code UpdateTable} (refused with
     * {@code ConcurrentModificationException} unless its {@code VersionId} is the table's), and
     * {@code BatchCreatePartition}, which Hudi's tables' registration calls (an existing partition is an entry of
     * {@code Errors}, as Glue answers). Errors as Glue's JSON
     * 1.1 protocol sends them: status 400, {@code __type} and {@code Message}.
     */
    static final class GlueCatalogState implements ResponseDefinitionTransformerV2 {
        final AtomicBoolean refuseNextUpdate = new AtomicBoolean();
        /** An operation's next call refused with this error type (Glue's {@code __type}). */
        final Map<String, String> refuseNext = new java.util.concurrent.ConcurrentHashMap<>();
        private final Map<String, ObjectNode> databases = new TreeMap<>();
        private final Map<String, List<List<String>>> partitions = new TreeMap<>();
        private final Map<String, ObjectNode> tables = new TreeMap<>();
        private final Map<String, List<JsonNode>> requests = new TreeMap<>();

        @Override
        public String getName() {
            return "glue-catalog";
        }

        synchronized List<JsonNode> requests(String operation) {
            return new ArrayList<>(requests.getOrDefault(operation, List.of()));
        }

        synchronized JsonNode table(String database, String name) {
            return tables.get(database + "." + name);
        }

        synchronized List<List<String>> partitions(String database, String table) {
            return new ArrayList<>(partitions.getOrDefault(database + "." + table, List.of()));
        }

        synchronized void putTable(String database, String name, Map<String, String> parameters) {
            ObjectNode t = JSON.createObjectNode().put("Name", name).put("DatabaseName", database).put("VersionId", "1");
            t.set("Parameters", JSON.valueToTree(parameters));
            tables.put(database + "." + name, t);
        }

        @Override
        public synchronized ResponseDefinition transform(ServeEvent event) {
            String target = event.getRequest().getHeader("X-Amz-Target");
            if (target == null || !target.startsWith("AWSGlue.")) {
                return error(400, "UnknownOperationException", "no X-Amz-Target");
            }
            String op = target.substring("AWSGlue.".length());
            JsonNode in;
            try {
                in = JSON.readTree(event.getRequest().getBodyAsString());
            } catch (Exception e) {
                return error(400, "SerializationException", e.getMessage());
            }
            requests.computeIfAbsent(op, k -> new ArrayList<>()).add(in);
            String refusal = refuseNext.remove(op);
            if (refusal != null) {
                return error(400, refusal, "User is not authorized to perform: glue:" + op);
            }
            switch (op) {
                case "GetDatabase": {
                    ObjectNode db = databases.get(in.path("Name").asText());
                    return db == null ? notFound("Database " + in.path("Name").asText() + " not found.")
                            : ok(JSON.createObjectNode().set("Database", db));
                }
                case "GetDatabases": {
                    ObjectNode out = JSON.createObjectNode();
                    databases.values().forEach(out.putArray("DatabaseList")::add);
                    return ok(out);
                }
                case "GetTables": {
                    String prefix = in.path("DatabaseName").asText() + ".";
                    ObjectNode out = JSON.createObjectNode();
                    var list = out.putArray("TableList");
                    tables.forEach((k, t) -> {
                        if (k.startsWith(prefix)) {
                            list.add(t);
                        }
                    });
                    return ok(out);
                }
                case "CreateDatabase": {
                    String name = in.path("DatabaseInput").path("Name").asText();
                    if (databases.containsKey(name)) {
                        return error(400, "AlreadyExistsException", "Database already exists.");
                    }
                    ObjectNode db = ((ObjectNode) in.path("DatabaseInput")).deepCopy();
                    db.put("CreateTime", System.currentTimeMillis() / 1000.0);
                    databases.put(name, db);
                    return ok(JSON.createObjectNode());
                }
                case "GetTable": {
                    ObjectNode t = tables.get(in.path("DatabaseName").asText() + "." + in.path("Name").asText());
                    return t == null ? notFound("Table " + in.path("Name").asText() + " not found.")
                            : ok(JSON.createObjectNode().set("Table", t));
                }
                case "CreateTable": {
                    String db = in.path("DatabaseName").asText();
                    if (!databases.containsKey(db)) {
                        return notFound("Database " + db + " not found.");
                    }
                    String key = db + "." + in.path("TableInput").path("Name").asText();
                    if (tables.containsKey(key)) {
                        return error(400, "AlreadyExistsException", "Table already exists.");
                    }
                    tables.put(key, stored(in, db, 1));
                    return ok(JSON.createObjectNode());
                }
                case "UpdateTable": {
                    String db = in.path("DatabaseName").asText();
                    String key = db + "." + in.path("TableInput").path("Name").asText();
                    ObjectNode t = tables.get(key);
                    if (t == null) {
                        return notFound("Table not found.");
                    }
                    int version = t.path("VersionId").asInt();
                    if (refuseNextUpdate.getAndSet(false)) {
                        // another writer's update came first: the table is at the next version, same metadata
                        t.put("VersionId", String.valueOf(version + 1));
                        return error(400, "ConcurrentModificationException", "Update table failed due to concurrent modifications.");
                    }
                    if (in.hasNonNull("VersionId") && !in.path("VersionId").asText().equals(String.valueOf(version))) {
                        return error(400, "ConcurrentModificationException", "Update table failed due to concurrent modifications.");
                    }
                    tables.put(key, stored(in, db, version + 1));
                    return ok(JSON.createObjectNode());
                }
                case "BatchCreatePartition": {
                    String key = in.path("DatabaseName").asText() + "." + in.path("TableName").asText();
                    if (!tables.containsKey(key)) {
                        return notFound("Table " + in.path("TableName").asText() + " not found.");
                    }
                    List<List<String>> have = partitions.computeIfAbsent(key, k -> new ArrayList<>());
                    int keys = tables.get(key).path("PartitionKeys").size();
                    ObjectNode out = JSON.createObjectNode();
                    var errors = out.putArray("Errors");
                    for (JsonNode p : in.path("PartitionInputList")) {
                        List<String> values = new ArrayList<>();
                        p.path("Values").forEach(v -> values.add(v.asText()));
                        if (values.size() != keys) {
                            ObjectNode e = errors.addObject();
                            e.set("PartitionValues", p.path("Values"));
                            e.putObject("ErrorDetail").put("ErrorCode", "InvalidInputException")
                                    .put("ErrorMessage", "The number of partition values does not match the table's partition keys.");
                        } else if (have.contains(values)) {
                            ObjectNode e = errors.addObject();
                            e.set("PartitionValues", p.path("Values"));
                            e.putObject("ErrorDetail").put("ErrorCode", "AlreadyExistsException")
                                    .put("ErrorMessage", "Partition already exists.");
                        } else {
                            have.add(values);
                        }
                    }
                    return ok(out);
                }
                default:
                    return error(400, "InvalidInputException", "operation " + op + " is not imitated here");
            }
        }

        private static ObjectNode stored(JsonNode in, String database, int version) {
            ObjectNode t = ((ObjectNode) in.path("TableInput")).deepCopy();
            t.put("DatabaseName", database);
            t.put("VersionId", String.valueOf(version));
            t.put("CreateTime", System.currentTimeMillis() / 1000.0);
            return t;
        }

        private static ResponseDefinition ok(JsonNode body) {
            return aResponse().withStatus(200).withHeader("Content-Type", "application/x-amz-json-1.1")
                    .withBody(body.toString()).build();
        }

        private static ResponseDefinition notFound(String message) {
            return error(400, "EntityNotFoundException", message);
        }

        private static ResponseDefinition error(int status, String type, String message) {
            ObjectNode body = JSON.createObjectNode().put("__type", type).put("Message", message);
            return aResponse().withStatus(status).withHeader("Content-Type", "application/x-amz-json-1.1")
                    .withHeader("x-amzn-ErrorType", type).withBody(body.toString()).build();
        }
    }
}
