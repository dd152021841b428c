package dev.soal.runtime;

import dev.soal.adapters.s3.S3Clients;
import org.apache.avro.LogicalType;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;
import org.apache.hudi.callback.HoodieWriteCommitCallback;
import org.apache.hudi.callback.common.HoodieWriteCommitCallbackMessage;
import org.apache.hudi.common.engine.HoodieLocalEngineContext;
import org.apache.hudi.common.fs.FSUtils;
import org.apache.hudi.common.model.HoodieTableType;
import org.apache.hudi.common.model.HoodieWriteStat;
import org.apache.hudi.common.table.HoodieTableConfig;
import org.apache.hudi.common.table.HoodieTableMetaClient;
import org.apache.hudi.common.table.TableSchemaResolver;
import org.apache.hudi.common.util.PartitionPathEncodeUtils;
import org.apache.hudi.config.HoodieWriteConfig;
import org.apache.hudi.hadoop.fs.HadoopFSUtils;
import org.apache.hudi.storage.StorageConfiguration;
import org.apache.spark.sql.SparkSession;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.services.glue.GlueClient;
import software.amazon.awssdk.services.glue.GlueClientBuilder;
import software.amazon.awssdk.services.glue.model.AlreadyExistsException;
import software.amazon.awssdk.services.glue.model.BatchCreatePartitionResponse;
import software.amazon.awssdk.services.glue.model.Column;
import software.amazon.awssdk.services.glue.model.EntityNotFoundException;
import software.amazon.awssdk.services.glue.model.GlueException;
import software.amazon.awssdk.services.glue.model.PartitionError;
import software.amazon.awssdk.services.glue.model.PartitionInput;
import software.amazon.awssdk.services.glue.model.SerDeInfo;
import software.amazon.awssdk.services.glue.model.StorageDescriptor;
import software.amazon.awssdk.services.glue.model.Table;
import software.amazon.awssdk.services.glue.model.TableInput;

import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * Hudi tables in the Glue Data Catalog, in AWS: after every commit to a Hudi table named in a database of its own
 * ({@code CREATE TABLE shop.orders ... USING hudi LOCATION 's3://...'}), the table is in that Glue database (made if
 * missing), with its columns, partition keys and location, and its partitions (all of them when the table is new
 * there, then those each commit wrote), as Athena, Glue and EMR read a Hudi table there. A table in Spark's
 * {@code default} database stays the job's own.
 *
 * <p>A Hudi commit callback ({@code hoodie.write.commit.callback.class}), which {@link SparkSettings#tables} turns on
 * when the {@code soal} catalog is the Glue Data Catalog: Hudi calls it after every commit of every statement
 * ({@code INSERT}, {@code MERGE}, {@code UPDATE}, {@code DELETE}), whereas its own meta sync is forced off for
 * {@code MERGE} in a session whose catalog is not Hive's. It speaks to the {@code soal} catalog's Glue (its endpoint
 * and catalog id, if set). A failed registration fails the statement, naming the table: the commit itself stands.
 */
public final class HudiGlueTables implements HoodieWriteCommitCallback {
    /** The Iceberg catalog's properties this shares: Glue's endpoint and the catalog's account. */
    static final String ENDPOINT = "spark.sql.catalog." + SparkSettings.CATALOG + ".glue.endpoint";
    static final String CATALOG_ID = "spark.sql.catalog." + SparkSettings.CATALOG + ".glue.id";

    /** Glue clients by endpoint ("" for AWS's own), made once a JVM: commits come often, a client is costly. */
    private static final Map<String, GlueClient> CLIENTS = new ConcurrentHashMap<>();

    private final HoodieWriteConfig config;

    /** As Hudi makes its callbacks: with the writer's config. */
    public HudiGlueTables(HoodieWriteConfig config) {
        this.config = config;
    }

    @Override
    public void call(HoodieWriteCommitCallbackMessage commit) {
        // the writer says which database, for a SQL write: a table of Spark's default one costs nothing more
        if (isDefault(config.getProps().getProperty(HoodieTableConfig.DATABASE_NAME.key()))) {
            return;
        }
        SparkSession spark = SparkSession.active();
        StorageConfiguration<?> conf = HadoopFSUtils.getStorageConfWithCopy(spark.sparkContext().hadoopConfiguration());
        HoodieTableMetaClient table = HoodieTableMetaClient.builder().setConf(conf).setBasePath(commit.getBasePath()).build();
        HoodieTableConfig t = table.getTableConfig();
        String database = t.getDatabaseName();
        if (database == null || isDefault(database)) {
            return;
        }
        String name = t.getTableName();
        try {
            String catalogId = spark.conf().getOption(CATALOG_ID).getOrElse(() -> null);
            Schema schema = new TableSchemaResolver(table).getTableAvroSchema();
            List<String> written = new ArrayList<>();
            for (HoodieWriteStat s : commit.getHoodieWriteStat()) {
                if (s.getPartitionPath() != null && !s.getPartitionPath().isEmpty() && !written.contains(s.getPartitionPath())) {
                    written.add(s.getPartitionPath());
                }
            }
            register(client(spark), catalogId, database.toLowerCase(Locale.ROOT), name.toLowerCase(Locale.ROOT),
                    location(commit.getBasePath()), t, schema, written, () -> FSUtils.getAllPartitionPaths(
                            new HoodieLocalEngineContext(conf), table.getStorage(), table.getBasePath(), false));
        } catch (Exception e) {
            String why = e instanceof GlueException g && g.awsErrorDetails() != null
                    ? g.awsErrorDetails().errorCode() + ": " + g.awsErrorDetails().errorMessage() : e.getMessage();
            throw new IllegalStateException("Hudi table " + database + "." + name + " (commit " + commit.getCommitTime()
                    + ", which stands) could not be registered in the Glue Data Catalog: " + why, e);
        }
    }

    private static boolean isDefault(String database) {
        return database != null && (database.isBlank() || database.equalsIgnoreCase("default"));
    }

    /**
     * The table {@code database.name} at {@code location} in Glue: made with every partition the table has
     * ({@code allPartitions}: it may have commits from before), else updated where what readers see changed, and
     * the partitions {@code written} by a commit. A Glue table of that name that is not a Hudi table is left alone.
     */
    static void register(GlueClient glue, String catalogId, String database, String name, String location,
                         HoodieTableConfig t, Schema schema, List<String> written, Supplier<List<String>> allPartitions) {
        List<String> partitionFields = t.getPartitionFields().map(List::of).orElse(List.of());
        List<Column> keys = new ArrayList<>();
        for (String field : partitionFields) {
            Schema.Field f = schema.getFields().stream().filter(x -> x.name().equalsIgnoreCase(field)).findFirst()
                    .orElseThrow(() -> new IllegalStateException("partition field " + field + " is not a column of the table"));
            keys.add(column(f));
        }
        List<Column> columns = new ArrayList<>();
        for (Schema.Field f : schema.getFields()) {
            if (partitionFields.stream().noneMatch(k -> k.equalsIgnoreCase(f.name()))) {
                columns.add(column(f));
            }
        }
        boolean mor = t.getTableType() == HoodieTableType.MERGE_ON_READ;
        Map<String, String> parameters = new LinkedHashMap<>();
        parameters.put("EXTERNAL", "TRUE");
        parameters.put(PROVIDER, "hudi");
        parameters.put("hoodie.table.type", t.getTableType().name());
        parameters.put("classification", "hudi");
        try {
            glue.getDatabase(r -> r.catalogId(catalogId).name(database));
        } catch (EntityNotFoundException e) {
            try {
                glue.createDatabase(r -> r.catalogId(catalogId).databaseInput(d -> d.name(database)));
            } catch (AlreadyExistsException raced) {
                // made meanwhile by another job, Iceberg's CREATE NAMESPACE or another tool
            }
        }
        List<String> partitions = written;
        try {
            Table now = glue.getTable(r -> r.catalogId(catalogId).databaseName(database).name(name)).table();
            if (!"hudi".equalsIgnoreCase(now.parameters().get(PROVIDER))) {
                throw new IllegalStateException("Glue already has a table " + database + "." + name + " that is not a Hudi table ("
                        + now.parameters().getOrDefault("table_type", now.tableType()) + "); SoAL leaves it alone: name the Hudi "
                        + "table otherwise");
            }
            // a new version only for a change of what readers see (Glue keeps every version of a table); what other
            // tools keep in the table's parameters stays
            if (!shape(now.storageDescriptor().columns()).equals(shape(columns)) || !shape(now.partitionKeys()).equals(shape(keys))
                    || !location.equals(now.storageDescriptor().location())) {
                Map<String, String> kept = new LinkedHashMap<>(now.parameters());
                kept.putAll(parameters);
                glue.updateTable(r -> r.catalogId(catalogId).databaseName(database)
                        .tableInput(input(name, kept, keys, columns, location, mor)));
            }
        } catch (EntityNotFoundException e) {
            try {
                glue.createTable(r -> r.catalogId(catalogId).databaseName(database)
                        .tableInput(input(name, parameters, keys, columns, location, mor)));
            } catch (AlreadyExistsException raced) {
                // another writer's commit registered it first: the same table
            }
            partitions = keys.isEmpty() ? List.of() : allPartitions.get();
        }
        if (!keys.isEmpty()) {
            partitions(glue, catalogId, database, name, partitions, columns, keys, location, mor,
                    Boolean.parseBoolean(t.getUrlEncodePartitioning()));
        }
    }

    private static final String PROVIDER = "spark.sql.sources.provider";

    private static Column column(Schema.Field f) {
        return Column.builder().name(f.name().toLowerCase(Locale.ROOT)).type(hiveType(f.schema())).build();
    }

    /** What readers see of columns: their names and types (not comments or other tools' parameters). */
    private static List<String> shape(List<Column> columns) {
        return columns.stream().map(c -> c.name().toLowerCase(Locale.ROOT) + " " + c.type()).toList();
    }

    private static TableInput input(String name, Map<String, String> parameters, List<Column> keys, List<Column> columns,
                                    String location, boolean mor) {
        return TableInput.builder().name(name).tableType("EXTERNAL_TABLE").parameters(parameters).partitionKeys(keys)
                .storageDescriptor(storage(columns, location, mor)).build();
    }

    /** A table's location as Athena, Glue and EMR name it: {@code s3://}, no trailing slash. */
    static String location(String basePath) {
        String l = basePath.startsWith("s3a://") ? "s3://" + basePath.substring("s3a://".length()) : basePath;
        while (l.endsWith("/") && !l.endsWith("://")) {
            l = l.substring(0, l.length() - 1);
        }
        return l;
    }

    /** The partitions at {@code paths}, each made unless Glue has it already. */
    private static void partitions(GlueClient glue, String catalogId, String database, String name, List<String> paths,
                                   List<Column> columns, List<Column> keys, String location, boolean mor, boolean escaped) {
        List<PartitionInput> inputs = new ArrayList<>();
        List<String> keyNames = keys.stream().map(Column::name).toList();
        for (String path : paths) {
            inputs.add(PartitionInput.builder().values(partitionValues(path, keyNames, escaped))
                    .storageDescriptor(storage(columns, location + "/" + path, mor)).build());
        }
        // BatchCreatePartition takes at most 100 partitions a call
        for (int i = 0; i < inputs.size(); i += 100) {
            List<PartitionInput> batch = inputs.subList(i, Math.min(inputs.size(), i + 100));
            BatchCreatePartitionResponse r = glue.batchCreatePartition(b -> b.catalogId(catalogId)
                    .databaseName(database).tableName(name).partitionInputList(batch));
            for (PartitionError e : r.errors()) {
                if (!"AlreadyExistsException".equals(e.errorDetail().errorCode())) {
                    throw new IllegalStateException("partition " + e.partitionValues() + ": " + e.errorDetail().errorCode()
                            + ": " + e.errorDetail().errorMessage());
                }
            }
        }
    }

    /**
     * A partition path's values, one for each of {@code keys}, Hive-style ({@code day=2026-12-07/region=eu}) or not
     * ({@code 2026-12-07/eu}), unescaped where the table escapes them
     * ({@code hoodie.datasource.write.partitionpath.urlencode}).
     */
    static List<String> partitionValues(String path, List<String> keys, boolean escaped) {
        String[] parts = path.split("/", -1);
        if (parts.length != keys.size()) {
            throw new IllegalArgumentException("partition path " + path + " does not have " + keys.size() + " parts " + keys);
        }
        List<String> values = new ArrayList<>();
        for (int i = 0; i < parts.length; i++) {
            String prefix = keys.get(i) + "=";
            String value = parts[i].regionMatches(true, 0, prefix, 0, prefix.length()) ? parts[i].substring(prefix.length()) : parts[i];
            values.add(escaped ? PartitionPathEncodeUtils.unescapePathName(value) : value);
        }
        return values;
    }

    private static StorageDescriptor storage(List<Column> columns, String location, boolean mor) {
        return StorageDescriptor.builder().columns(columns).location(location)
                .inputFormat(mor ? "org.apache.hudi.hadoop.realtime.HoodieParquetRealtimeInputFormat"
                        : "org.apache.hudi.hadoop.HoodieParquetInputFormat")
                .outputFormat("org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat")
                .serdeInfo(SerDeInfo.builder().serializationLibrary("org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe")
                        .parameters(Map.of("serialization.format", "1", "path", location)).build())
                .build();
    }

    /** The Hive type Glue holds for a column of Avro type {@code s} (a nullable one is a union with null). */
    static String hiveType(Schema s) {
        LogicalType logical = s.getLogicalType();
        switch (s.getType()) {
            case UNION: {
                List<Schema> types = s.getTypes().stream().filter(x -> x.getType() != Schema.Type.NULL).toList();
                if (types.size() != 1) {
                    throw new IllegalArgumentException("a union of " + types + " has no Hive type");
                }
                return hiveType(types.get(0));
            }
            case BOOLEAN:
                return "boolean";
            case INT:
                return logical instanceof LogicalTypes.Date ? "date" : "int";
            case LONG:
                return logical instanceof LogicalTypes.TimestampMillis || logical instanceof LogicalTypes.TimestampMicros
                        ? "timestamp" : "bigint";
            case FLOAT:
                return "float";
            case DOUBLE:
                return "double";
            case STRING:
            case ENUM:
                return "string";
            case BYTES:
            case FIXED:
                return logical instanceof LogicalTypes.Decimal d ? "decimal(" + d.getPrecision() + "," + d.getScale() + ")" : "binary";
            case ARRAY:
                return "array<" + hiveType(s.getElementType()) + ">";
            case MAP:
                return "map<string," + hiveType(s.getValueType()) + ">";
            case RECORD: {
                List<String> fields = new ArrayList<>();
                for (Schema.Field f : s.getFields()) {
                    fields.add(f.name().toLowerCase(Locale.ROOT) + ":" + hiveType(f.schema()));
                }
                return "struct<" + String.join(",", fields) + ">";
            }
            default:
                throw new IllegalArgumentException("Avro type " + s.getType() + " has no Hive type");
        }
    }

    private static GlueClient client(SparkSession spark) {
        String endpoint = spark.conf().getOption(ENDPOINT).getOrElse(() -> "");
        return CLIENTS.computeIfAbsent(endpoint, e -> {
            GlueClientBuilder b = GlueClient.builder();
            if (S3Clients.urlConnectionClientPresent()) {
                b.httpClientBuilder(UrlConnectionHttpClient.builder());
            }
            if (!e.isEmpty()) {
                b.endpointOverride(URI.create(e));
            }
            return b.build();
        });
    }

    /** The settings that turn this on, for a session whose {@code soal} catalog is the Glue Data Catalog. */
    static Map<String, String> settings() {
        Map<String, String> c = new LinkedHashMap<>();
        c.put("hoodie.write.commit.callback.on", "true");
        c.put("hoodie.write.commit.callback.class", HudiGlueTables.class.getName());
        return c;
    }
}
