package dev.soal.runtime;

import org.apache.hadoop.conf.Configurable;
import org.apache.hadoop.conf.Configuration;
import org.apache.iceberg.BaseTable;
import org.apache.iceberg.CatalogUtil;
import org.apache.iceberg.HasTableOperations;
import org.apache.iceberg.Schema;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.TableMetadata;
import org.apache.iceberg.TableOperations;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.catalog.Namespace;
import org.apache.iceberg.catalog.SupportsNamespaces;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.encryption.EncryptionManager;
import org.apache.iceberg.io.FileIO;
import org.apache.iceberg.io.LocationProvider;

import java.io.Closeable;
import java.io.IOException;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The {@code soal} catalog: the configured Iceberg catalog ({@value #DELEGATE}: JDBC on the embedded default, Glue in
 * AWS), whose tables check each commit a stream batch makes ({@link BatchCommits}) before it is written. Everything
 * else is the delegate's.
 */
public final class OnceCatalog implements Catalog, SupportsNamespaces, Configurable, Closeable {
    /** The catalog property naming the real catalog's class. */
    public static final String DELEGATE = "soal.delegate-impl";

    private Catalog delegate;
    private Configuration conf;
    private String name;

    public OnceCatalog() {
    }

    @Override
    public void initialize(String catalogName, Map<String, String> properties) {
        String impl = properties.get(DELEGATE);
        if (impl == null) {
            throw new IllegalArgumentException("the soal catalog needs " + DELEGATE + ", the Iceberg catalog it wraps");
        }
        Map<String, String> props = new HashMap<>(properties);
        props.remove(DELEGATE);
        this.name = catalogName;
        this.delegate = CatalogUtil.loadCatalog(impl, catalogName, props, conf);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public void setConf(Configuration c) {
        this.conf = c;
    }

    @Override
    public Configuration getConf() {
        return conf;
    }

    @Override
    public Table loadTable(TableIdentifier id) {
        return checked(delegate.loadTable(id));
    }

    /**
     * The table with its commits checked. Data tables only: metadata tables (snapshots, history, ...) are read-only.
     * Every table this catalog hands out goes through here, the ones it creates too: Spark keeps a created table and
     * writes to it without loading it again (a script's CREATE TABLE, then its INSERT).
     */
    static Table checked(Table t) {
        if (t.getClass() == BaseTable.class && t instanceof HasTableOperations h && !(h.operations() instanceof CheckedOps)) {
            return new BaseTable(new CheckedOps(h.operations(), t.name()), t.name());
        }
        return t;
    }

    @Override
    public List<TableIdentifier> listTables(Namespace namespace) {
        return delegate.listTables(namespace);
    }

    @Override
    public boolean dropTable(TableIdentifier id, boolean purge) {
        return delegate.dropTable(id, purge);
    }

    @Override
    public void renameTable(TableIdentifier from, TableIdentifier to) {
        delegate.renameTable(from, to);
    }

    @Override
    public boolean tableExists(TableIdentifier id) {
        return delegate.tableExists(id);
    }

    @Override
    public void invalidateTable(TableIdentifier id) {
        delegate.invalidateTable(id);
    }

    @Override
    public TableBuilder buildTable(TableIdentifier id, Schema schema) {
        return new CheckedBuilder(delegate.buildTable(id, schema));
    }

    @Override
    public Table registerTable(TableIdentifier id, String metadataFileLocation) {
        return checked(delegate.registerTable(id, metadataFileLocation));
    }

    /**
     * The delegate's table builder, whose created table is checked. A table made by a transaction (CREATE TABLE AS
     * SELECT, REPLACE TABLE) commits through the transaction: that first commit is not checked, the later ones are.
     */
    private record CheckedBuilder(TableBuilder builder) implements TableBuilder {
        @Override
        public TableBuilder withPartitionSpec(org.apache.iceberg.PartitionSpec spec) {
            return new CheckedBuilder(builder.withPartitionSpec(spec));
        }

        @Override
        public TableBuilder withSortOrder(org.apache.iceberg.SortOrder sortOrder) {
            return new CheckedBuilder(builder.withSortOrder(sortOrder));
        }

        @Override
        public TableBuilder withLocation(String location) {
            return new CheckedBuilder(builder.withLocation(location));
        }

        @Override
        public TableBuilder withProperties(Map<String, String> properties) {
            return new CheckedBuilder(builder.withProperties(properties));
        }

        @Override
        public TableBuilder withProperty(String key, String value) {
            return new CheckedBuilder(builder.withProperty(key, value));
        }

        @Override
        public Table create() {
            return checked(builder.create());
        }

        @Override
        public org.apache.iceberg.Transaction createTransaction() {
            return builder.createTransaction();
        }

        @Override
        public org.apache.iceberg.Transaction replaceTransaction() {
            return builder.replaceTransaction();
        }

        @Override
        public org.apache.iceberg.Transaction createOrReplaceTransaction() {
            return builder.createOrReplaceTransaction();
        }
    }

    private SupportsNamespaces namespaces() {
        if (delegate instanceof SupportsNamespaces n) {
            return n;
        }
        throw new UnsupportedOperationException(delegate.getClass().getName() + " has no namespaces");
    }

    @Override
    public void createNamespace(Namespace namespace, Map<String, String> metadata) {
        namespaces().createNamespace(namespace, metadata);
    }

    @Override
    public List<Namespace> listNamespaces(Namespace namespace) {
        return namespaces().listNamespaces(namespace);
    }

    @Override
    public Map<String, String> loadNamespaceMetadata(Namespace namespace) {
        return namespaces().loadNamespaceMetadata(namespace);
    }

    @Override
    public boolean dropNamespace(Namespace namespace) {
        return namespaces().dropNamespace(namespace);
    }

    @Override
    public boolean setProperties(Namespace namespace, Map<String, String> properties) {
        return namespaces().setProperties(namespace, properties);
    }

    @Override
    public boolean removeProperties(Namespace namespace, Set<String> properties) {
        return namespaces().removeProperties(namespace, properties);
    }

    @Override
    public boolean namespaceExists(Namespace namespace) {
        return namespaces().namespaceExists(namespace);
    }

    @Override
    public void close() throws IOException {
        if (delegate instanceof Closeable c) {
            c.close();
        }
    }

    /** A table's operations whose commits of stream batches are checked against the positions the table holds. */
    static final class CheckedOps implements TableOperations {
        private final TableOperations ops;
        private final String table;

        CheckedOps(TableOperations ops, String table) {
            this.ops = ops;
            this.table = table;
        }

        @Override
        public void commit(TableMetadata base, TableMetadata metadata) {
            ops.commit(base, checked(table, base, metadata));
        }

        /**
         * The metadata to commit: {@code metadata} itself when its new snapshot is not a batch's; with the batch's
         * partitions' positions advanced in the table's properties when the batch is new to the table; otherwise it
         * throws ({@link BatchCommits}). {@code base} is what this attempt read: Iceberg's retry reads again and comes
         * back here, so the check is made against the table as it is committed to.
         */
        static TableMetadata checked(String table, TableMetadata base, TableMetadata metadata) {
            Snapshot added = metadata.currentSnapshot();
            // a new snapshot only: setting an existing one current again (a rollback) is not a batch's commit
            if (added == null || (base != null && base.snapshot(added.snapshotId()) != null)) {
                return metadata;
            }
            Map<String, BigInteger[]> ranges = BatchCommits.ranges(added.summary());
            if (ranges.isEmpty()) {
                return metadata;
            }
            String run = added.summary().get(BatchCommits.RUN);
            Map<String, String> props = base == null ? Map.of() : base.properties();
            List<String> covered = new ArrayList<>();
            List<String> fresh = new ArrayList<>();
            List<String> overlapping = new ArrayList<>();
            Map<String, String> advanced = new HashMap<>();
            boolean sameRun = true;
            for (Map.Entry<String, BigInteger[]> e : ranges.entrySet()) {
                String partition = e.getKey();
                BigInteger[] range = e.getValue();
                String committed = props.get(BatchCommits.POSITION_PREFIX + partition);
                BigInteger at = committed == null ? null : new BigInteger(committed);
                sameRun &= at != null && run != null && run.equals(props.get(BatchCommits.POSITION_RUN_PREFIX + partition))
                        && range[1].equals(at);
                String words = partition + " " + range[0] + ".." + range[1] + (at == null ? "" : " (table holds up to " + at + ")");
                if (at == null || range[0].compareTo(at) > 0) {
                    fresh.add(words);
                    advanced.put(BatchCommits.POSITION_PREFIX + partition, range[1].toString());
                    if (run != null) {
                        advanced.put(BatchCommits.POSITION_RUN_PREFIX + partition, run);
                    }
                } else if (range[1].compareTo(at) <= 0) {
                    covered.add(words);
                } else {
                    overlapping.add(words);
                }
            }
            if (sameRun) {
                return metadata; // this run wrote the table before, in an earlier statement: its positions stand
            }
            if (overlapping.isEmpty() && fresh.isEmpty()) {
                throw new BatchCommits.AlreadyCommitted("table " + table + " already holds this batch (" + String.join(", ", covered)
                        + "): nothing committed again");
            }
            if (!overlapping.isEmpty() || !covered.isEmpty()) {
                List<String> all = new ArrayList<>(overlapping);
                all.addAll(covered);
                throw new BatchCommits.PartlyCommitted("table " + table + " holds part of this batch and not the rest ("
                        + String.join(", ", all) + (fresh.isEmpty() ? "" : "; new: " + String.join(", ", fresh))
                        + "): an earlier batch was cut differently; nothing of this one was committed");
            }
            return TableMetadata.buildFrom(metadata).setProperties(advanced).build();
        }

        @Override
        public TableMetadata current() {
            return ops.current();
        }

        @Override
        public TableMetadata refresh() {
            return ops.refresh();
        }

        @Override
        public FileIO io() {
            return ops.io();
        }

        @Override
        public EncryptionManager encryption() {
            return ops.encryption();
        }

        @Override
        public String metadataFileLocation(String fileName) {
            return ops.metadataFileLocation(fileName);
        }

        @Override
        public LocationProvider locationProvider() {
            return ops.locationProvider();
        }

        @Override
        public TableOperations temp(TableMetadata uncommittedMetadata) {
            return ops.temp(uncommittedMetadata);
        }

        @Override
        public long newSnapshotId() {
            return ops.newSnapshotId();
        }

        @Override
        public boolean requireStrictCleanup() {
            return ops.requireStrictCleanup();
        }
    }
}
