package dev.soal.policies;

import dev.soal.core.Backend;
import dev.soal.core.Sizes;

import java.util.List;
import java.util.Map;

/**
 * The routing policy, loaded once from the policies YAML (see {@code policies/policies.yaml}).
 *
 * @param lambda       when a job is small enough for Lambda, and how much memory it gets
 * @param clusterOrder cluster backends in order of preference for jobs too big for Lambda
 * @param rules        overrides by input prefix or tag, first match wins
 * @param allowlists   buckets scripts, inputs and outputs may come from
 * @param emrServerless sizes and timeout of EMR Serverless runs
 * @param glue         worker type, count, timeout and execution class of Glue runs
 * @param fallback     where a job goes when its backend is unavailable (e.g. emr-serverless -> glue)
 * @param triggers     which script runs when an object lands under a bucket and prefix
 * @param tables       where the {@code soal} Iceberg catalog keeps its tables; null: the catalog is not set up in AWS
 * @param streams      Kinesis and Kafka streams whose batches run a script on the Lambda path
 * @param clustersByCost {@code clusters.choose: cheapest} (the default of a policies file): a job for a cluster goes
 *                     to the configured one predicted cheapest ({@code Predictor}); false ({@code order}): the first
 *                     configured one. The constructors without it choose by order.
 */
public record Policies(LambdaPolicy lambda, List<Backend> clusterOrder, List<Rule> rules, Allowlists allowlists,
                       EmrPolicy emrServerless, GluePolicy glue, Map<Backend, Backend> fallback, List<Trigger> triggers,
                       TablesPolicy tables, List<StreamPolicy> streams, boolean clustersByCost) {

    public static final long DEFAULT_MAX_INPUT_BYTES = Sizes.parse("400MB");

    public Policies {
        if (clusterOrder == null || clusterOrder.isEmpty()) {
            throw new IllegalArgumentException("clusters.order must name at least one cluster backend");
        }
        for (Backend b : clusterOrder) {
            if (!b.isCluster()) {
                throw new IllegalArgumentException("clusters.order must list cluster backends only, but had '" + b + "'");
            }
        }
        clusterOrder = List.copyOf(clusterOrder);
        rules = rules == null ? List.of() : List.copyOf(rules);
        emrServerless = emrServerless == null ? EmrPolicy.ofDefaults() : emrServerless;
        glue = glue == null ? GluePolicy.ofDefaults() : glue;
        fallback = fallback == null ? Map.of() : Map.copyOf(fallback);
        triggers = triggers == null ? List.of() : List.copyOf(triggers);
        streams = streams == null ? List.of() : List.copyOf(streams);
        fallback.forEach((from, to) -> {
            if (!from.isCluster() || !to.isCluster() || from == to) {
                throw new IllegalArgumentException("fallback must map one cluster backend to another, but had "
                        + from + " -> " + to);
            }
        });
    }

    public Policies(LambdaPolicy lambda, List<Backend> clusterOrder, List<Rule> rules, Allowlists allowlists,
                    EmrPolicy emrServerless, GluePolicy glue, Map<Backend, Backend> fallback, List<Trigger> triggers) {
        this(lambda, clusterOrder, rules, allowlists, emrServerless, glue, fallback, triggers, null, List.of());
    }

    public Policies(LambdaPolicy lambda, List<Backend> clusterOrder, List<Rule> rules, Allowlists allowlists,
                    EmrPolicy emrServerless, GluePolicy glue, Map<Backend, Backend> fallback, List<Trigger> triggers,
                    TablesPolicy tables, List<StreamPolicy> streams) {
        this(lambda, clusterOrder, rules, allowlists, emrServerless, glue, fallback, triggers, tables, streams, false);
    }

    /** The same policies, choosing among clusters by predicted cost ({@code true}) or by {@code clusters.order}. */
    public Policies withClustersByCost(boolean byCost) {
        return new Policies(lambda, clusterOrder, rules, allowlists, emrServerless, glue, fallback, triggers, tables, streams, byCost);
    }

    /** The bindings of the streams whose runtime function has {@code memoryMb}: what that function's environment holds. */
    public List<dev.soal.core.StreamBinding> streamBindings(int memoryMb) {
        return streams.stream().map(StreamPolicy::binding).filter(b -> b.memoryMb() == memoryMb).toList();
    }

    /**
     * The {@code soal} catalog in AWS, the same for the runtime functions (the stack sets it in their environment)
     * and the EMR Serverless and Glue runs (the router passes it to the runner): the Glue Data Catalog with the
     * policies' warehouse; none without a {@code tables} section.
     */
    public dev.soal.core.TableSettings catalogInAws() {
        return tables == null ? dev.soal.core.TableSettings.none() : dev.soal.core.TableSettings.glue(tables.warehouse());
    }

    /**
     * The {@code soal} catalog's warehouse: where its tables' files go ({@code s3://bucket/prefix/}). In AWS the
     * catalog is the Glue Data Catalog, and the stack lets every runtime read and write this location.
     */
    public record TablesPolicy(String warehouse) {
        public TablesPolicy {
            warehouse = dev.soal.core.TableSettings.warehouse(warehouse);
        }

        /** The warehouse's bucket. */
        public String bucket() {
            return dev.soal.core.S3Uri.parse(warehouse).bucket();
        }
    }

    /**
     * EMR Serverless run sizes, turned into {@code sparkSubmitParameters}.
     *
     * @param memory Spark memory strings such as {@code 16g}
     */
    /**
     * The large path's size on EMR Serverless: one job's driver and executors, its timeout, and how many such jobs
     * the application runs at once ({@code concurrentJobs}: its maximum capacity is that many times one job's).
     */
    public record EmrPolicy(int driverCores, String driverMemory, int executorCores, String executorMemory,
                            int maxExecutors, int timeoutMinutes, int concurrentJobs, InitialCapacity initialCapacity) {
        private static final java.util.regex.Pattern MEMORY = java.util.regex.Pattern.compile("\\d+[gm]");

        public EmrPolicy {
            // EMR Serverless workers: 1, 2, 4, 8 or 16 vCPU, 2-120 GB
            if (!List.of(1, 2, 4, 8, 16).contains(driverCores)) {
                throw new IllegalArgumentException("driverCores must be 1, 2, 4, 8 or 16, but was " + driverCores);
            }
            if (!List.of(1, 2, 4, 8, 16).contains(executorCores)) {
                throw new IllegalArgumentException("executorCores must be 1, 2, 4, 8 or 16, but was " + executorCores);
            }
            for (String m : List.of(driverMemory, executorMemory)) {
                if (m == null || !MEMORY.matcher(m).matches()) {
                    throw new IllegalArgumentException("memory must look like 16g or 4096m, but was '" + m + "'");
                }
            }
            if (maxExecutors < 1) {
                throw new IllegalArgumentException("maxExecutors must be >= 1, but was " + maxExecutors);
            }
            if (timeoutMinutes < 1 || timeoutMinutes > 20_160) {
                throw new IllegalArgumentException("timeoutMinutes must be within 1..20160, but was " + timeoutMinutes);
            }
            if (concurrentJobs < 1) {
                throw new IllegalArgumentException("concurrentJobs must be >= 1, but was " + concurrentJobs);
            }
            initialCapacity = initialCapacity == null ? InitialCapacity.NONE : initialCapacity;
            if (initialCapacity.drivers() > 0) {
                Worker.of(driverCores, driverMemory, "the driver");
            }
            if (initialCapacity.executors() > 0) {
                Worker.of(executorCores, executorMemory, "an executor");
            }
            if (initialCapacity.drivers() > concurrentJobs || initialCapacity.executors() > concurrentJobs * maxExecutors) {
                throw new IllegalArgumentException("initialCapacity must fit the application's maximum (concurrentJobs "
                        + concurrentJobs + " jobs of 1 driver and maxExecutors " + maxExecutors + " executors), but was "
                        + initialCapacity.drivers() + " drivers and " + initialCapacity.executors() + " executors");
            }
        }

        public EmrPolicy(int driverCores, String driverMemory, int executorCores, String executorMemory, int maxExecutors,
                         int timeoutMinutes, int concurrentJobs) {
            this(driverCores, driverMemory, executorCores, executorMemory, maxExecutors, timeoutMinutes, concurrentJobs,
                    InitialCapacity.NONE);
        }

        public static EmrPolicy ofDefaults() {
            return new EmrPolicy(4, "16g", 4, "16g", 20, 120, 4);
        }

        /** The pre-initialized driver's worker (its own size, not the executors'). */
        public Worker driverWorker() {
            return Worker.of(driverCores, driverMemory, "the driver");
        }

        /** The pre-initialized executors' worker. */
        public Worker executorWorker() {
            return Worker.of(executorCores, executorMemory, "an executor");
        }

        /** A worker as EMR Serverless sizes it for this policy's driver and executors: its vCPUs. */
        public int workerVcpus() {
            return Math.max(driverCores, executorCores);
        }

        /** The same worker's memory in GB: a fifth more than Spark's memory setting, for the overhead, rounded up. */
        public int workerMemoryGb() {
            return Math.max(withOverheadGb(driverMemory), withOverheadGb(executorMemory));
        }

        /** One job at its largest: the driver and every executor, each as EMR Serverless sizes a worker. */
        public int jobVcpus() {
            return (maxExecutors + 1) * workerVcpus();
        }

        /** The same in GB ({@link #workerMemoryGb()} per worker). */
        public int jobMemoryGb() {
            return (maxExecutors + 1) * workerMemoryGb();
        }

        /** Spark's memory setting ({@code 16g}, {@code 4096m}) and a fifth more for the overhead, in whole GB. */
        static int withOverheadGb(String memory) {
            long n = Long.parseLong(memory.substring(0, memory.length() - 1));
            return (int) Math.ceil((memory.endsWith("g") ? n : n / 1024.0) * 1.2);
        }

        /** {@code --class} and the sizes, as EMR Serverless' {@code sparkSubmitParameters} reads them. */
        public String sparkSubmitParameters(String mainClass) {
            return "--class " + mainClass
                    + " --conf spark.driver.cores=" + driverCores + " --conf spark.driver.memory=" + driverMemory
                    + " --conf spark.executor.cores=" + executorCores + " --conf spark.executor.memory=" + executorMemory
                    + " --conf spark.dynamicAllocation.maxExecutors=" + maxExecutors;
        }
    }

    /**
     * An EMR Serverless worker's size for Spark's cores and memory: the memory a fifth more than Spark's (the overhead),
     * raised to the smallest that many vCPUs take and rounded up to their step; more than they allow is refused. The
     * service's combinations: 1 vCPU 2-8 GB, 2 vCPU 4-16, 4 vCPU 8-30 (1 GB steps), 8 vCPU 16-60 (4 GB steps),
     * 16 vCPU 32-120 (8 GB steps).
     */
    public record Worker(int vcpus, int memoryGb) {
        static Worker of(int cores, String sparkMemory, String what) {
            int[] limits = switch (cores) {
                case 1 -> new int[] {2, 8, 1};
                case 2 -> new int[] {4, 16, 1};
                case 4 -> new int[] {8, 30, 1};
                case 8 -> new int[] {16, 60, 4};
                case 16 -> new int[] {32, 120, 8};
                default -> throw new IllegalArgumentException("EMR Serverless workers have 1, 2, 4, 8 or 16 vCPU, but " + what
                        + " has " + cores);
            };
            int need = EmrPolicy.withOverheadGb(sparkMemory);
            int memory = Math.max(limits[0], (need + limits[2] - 1) / limits[2] * limits[2]);
            if (memory > limits[1]) {
                throw new IllegalArgumentException("initialCapacity: " + what + "'s " + sparkMemory + " needs a " + memory
                        + " GB worker, over EMR Serverless' " + limits[1] + " GB for " + cores + " vCPU");
            }
            return new Worker(cores, memory);
        }
    }

    /**
     * EMR Serverless pre-initialized capacity ({@code emrServerless.initialCapacity}): drivers and executors the
     * application keeps warm while it is started, sized as the policy's workers, so a job that finds them starts in
     * seconds instead of waiting for workers. They are billed while the application is started, used or not.
     */
    public record InitialCapacity(int drivers, int executors) {
        public static final InitialCapacity NONE = new InitialCapacity(0, 0);

        public InitialCapacity {
            if (drivers < 0 || executors < 0) {
                throw new IllegalArgumentException("initialCapacity's drivers and executors must be >= 0, but were "
                        + drivers + " and " + executors);
            }
        }

        /** A driver and at least one executor kept warm: a job can start on them. */
        public boolean warm() {
            return drivers > 0 && executors > 0;
        }
    }

    /** Glue run settings; {@code executionClass} is STANDARD or FLEX (cheaper, may wait for capacity). */
    public record GluePolicy(String workerType, int numberOfWorkers, int timeoutMinutes, String executionClass) {
        /** Worker types of a Glue Spark batch job (G.025X is for streaming jobs only). */
        public static final List<String> WORKER_TYPES = List.of("G.1X", "G.2X", "G.4X", "G.8X", "G.12X", "G.16X");

        public GluePolicy {
            if (!WORKER_TYPES.contains(workerType)) {
                throw new IllegalArgumentException("workerType must be one of " + WORKER_TYPES + ", but was '" + workerType + "'");
            }
            if (numberOfWorkers < 2) {
                throw new IllegalArgumentException("numberOfWorkers must be >= 2 (a driver and an executor), but was " + numberOfWorkers);
            }
            if (timeoutMinutes < 1 || timeoutMinutes > 10_080) {
                throw new IllegalArgumentException("timeoutMinutes must be within 1..10080, but was " + timeoutMinutes);
            }
            if (!List.of("STANDARD", "FLEX").contains(executionClass)) {
                throw new IllegalArgumentException("executionClass must be STANDARD or FLEX, but was '" + executionClass + "'");
            }
            if (executionClass.equals("FLEX") && !List.of("G.1X", "G.2X").contains(workerType)) {
                throw new IllegalArgumentException("executionClass FLEX runs on G.1X or G.2X workers only, but workerType was '" + workerType + "'");
            }
        }

        public static GluePolicy ofDefaults() {
            return new GluePolicy("G.1X", 10, 120, "STANDARD");
        }

        /** DPUs per worker, for the cost: G.1X one, G.2X two, ... */
        public double dpuPerWorker() {
            return Double.parseDouble(workerType.substring(2, workerType.length() - 1));
        }
    }

    /**
     * Lambda threshold and memory tiers; {@code memory} is sorted by {@code upToBytes} and covers the threshold.
     *
     * @param timeoutSeconds the runtime functions' timeout (1..900): the stack sets it, the router and the local Lambda
     *                       service use it
     * @param spillOver      whether a job that runs out of resources on Lambda runs again on a cluster, and which
     */
    public record LambdaPolicy(long maxInputBytes, List<MemoryTier> memory, int timeoutSeconds, SpillOver spillOver,
                               Expansion expansion) {
        public static final int DEFAULT_TIMEOUT_SECONDS = 900;

        public LambdaPolicy(long maxInputBytes, List<MemoryTier> memory) {
            this(maxInputBytes, memory, DEFAULT_TIMEOUT_SECONDS, SpillOver.ofDefaults(), Expansion.ofDefaults());
        }

        public LambdaPolicy(long maxInputBytes, List<MemoryTier> memory, int timeoutSeconds, SpillOver spillOver) {
            this(maxInputBytes, memory, timeoutSeconds, spillOver, Expansion.ofDefaults());
        }

        public LambdaPolicy {
            if (timeoutSeconds < 1 || timeoutSeconds > 900) {
                throw new IllegalArgumentException("lambda.timeoutSeconds must be within 1..900 (Lambda's limits), but was "
                        + timeoutSeconds);
            }
            spillOver = spillOver == null ? SpillOver.ofDefaults() : spillOver;
            expansion = expansion == null ? Expansion.ofDefaults() : expansion;
            if (maxInputBytes <= 0) {
                throw new IllegalArgumentException("lambda.maxInputBytes must be > 0, but was " + maxInputBytes);
            }
            if (memory == null || memory.isEmpty()) {
                throw new IllegalArgumentException("lambda.memory must list at least one tier");
            }
            long previous = -1;
            for (MemoryTier tier : memory) {
                if (tier.upToBytes() <= previous) {
                    throw new IllegalArgumentException("lambda.memory tiers must be in increasing upTo order, but "
                            + Sizes.format(tier.upToBytes()) + " follows " + Sizes.format(previous));
                }
                previous = tier.upToBytes();
            }
            if (previous < maxInputBytes) {
                throw new IllegalArgumentException("lambda.memory must cover lambda.maxInputBytes "
                        + Sizes.format(maxInputBytes) + ", but its last tier ends at " + Sizes.format(previous));
            }
            memory = List.copyOf(memory);
        }

        /** The smallest tier whose {@code upTo} holds {@code bytes}. */
        public MemoryTier tierFor(long bytes) {
            for (MemoryTier tier : memory) {
                if (bytes <= tier.upToBytes()) {
                    return tier;
                }
            }
            return memory.get(memory.size() - 1);
        }
    }

    /**
     * Spill-over ({@code lambda.spillOver}): a Lambda-path job that runs out of memory, {@code /tmp} or time, or whose
     * runtime dies, runs again once on a cluster backend under the same job id.
     *
     * @param enabled off: such a job just fails
     * @param backend where it goes; null: the first configured backend of {@code clusters.order}
     */
    public record SpillOver(boolean enabled, Backend backend) {
        public SpillOver {
            if (backend != null && !backend.isCluster()) {
                throw new IllegalArgumentException("lambda.spillOver must be true, false or a cluster backend, but was '" + backend + "'");
            }
        }

        public static SpillOver ofDefaults() {
            return new SpillOver(true, null);
        }
    }

    /**
     * How many bytes as read one byte of each format and compression stands for ({@code lambda.expansion}): the
     * threshold and the tiers compare the inputs' estimate, so 300 MB of gzip CSV is not taken for 300 MB of CSV. A
     * file's factor is its format's times its compression's ({@code csv.gzip}: 1 x 4). The defaults are rules of thumb
     * (text compresses 3-5x with gzip or zstd, 4-7x with bzip2, 2-3x with snappy or lz4; Parquet and ORC hold about a
     * third of their text form); the policies may set any of them.
     */
    public record Expansion(Map<String, Double> factors) {
        public static final Map<String, Double> DEFAULTS = Map.ofEntries(Map.entry("csv", 1.0), Map.entry("json", 1.0),
                Map.entry("text", 1.0), Map.entry("unknown", 1.0), Map.entry("parquet", 3.0), Map.entry("orc", 3.0),
                Map.entry("avro", 1.5), Map.entry("gzip", 4.0), Map.entry("zstd", 4.0), Map.entry("bzip2", 5.0),
                Map.entry("deflate", 4.0), Map.entry("snappy", 2.5), Map.entry("lz4", 2.5));

        public Expansion {
            java.util.Map<String, Double> all = new java.util.TreeMap<>(DEFAULTS);
            if (factors != null) {
                factors.forEach((name, f) -> {
                    if (!DEFAULTS.containsKey(name)) {
                        throw new IllegalArgumentException("lambda.expansion." + name + " is not a format or compression; expected"
                                + " one of " + new java.util.TreeSet<>(DEFAULTS.keySet()));
                    }
                    if (f == null || !(f > 0 && f <= 100)) {
                        throw new IllegalArgumentException("lambda.expansion." + name + " must be within (0, 100], but was " + f);
                    }
                    all.put(name, f);
                });
            }
            factors = java.util.Collections.unmodifiableMap(all);
        }

        public static Expansion ofDefaults() {
            return new Expansion(Map.of());
        }

        /** The factor of a format as {@link dev.soal.core.InputFormats} names it ({@code csv.gzip}: csv's x gzip's). */
        public double factor(String format) {
            String compression = dev.soal.core.InputFormats.compressionOf(format);
            return factors.getOrDefault(dev.soal.core.InputFormats.formatOf(format), 1.0)
                    * (compression == null ? 1.0 : factors.getOrDefault(compression, 1.0));
        }

        /** The inputs' bytes as read: each format's bytes times its factor (all bytes at 1 when formats are not told). */
        public long estimate(dev.soal.core.Measurement m) {
            if (m.bytesByFormat().isEmpty()) {
                return m.totalBytes();
            }
            double bytes = 0;
            for (Map.Entry<String, Long> e : m.bytesByFormat().entrySet()) {
                bytes += e.getValue() * (e.getKey().equals(dev.soal.core.InputFormats.MARKER) ? 1.0 : factor(e.getKey()));
            }
            return Math.round(bytes);
        }
    }

    /** Lambda memory for inputs up to {@code upToBytes}. */
    /**
     * A Lambda memory tier: jobs up to {@code upToBytes} as read run in its function of {@code memoryMb}, and
     * {@code provisioned} of its environments are kept ready and primed (provisioned concurrency; 0 for none).
     */
    public record MemoryTier(long upToBytes, int memoryMb, int provisioned) {
        /** The most environments one tier keeps ready: Lambda's default account concurrency is 1,000. */
        public static final int MAX_PROVISIONED = 100;

        public MemoryTier {
            if (memoryMb < 128 || memoryMb > 10_240) {
                throw new IllegalArgumentException("memoryMb must be within 128..10240 (Lambda's limits), but was " + memoryMb);
            }
            if (provisioned < 0 || provisioned > MAX_PROVISIONED) {
                throw new IllegalArgumentException("provisioned must be within 0.." + MAX_PROVISIONED + ", but was " + provisioned);
            }
        }

        public MemoryTier(long upToBytes, int memoryMb) {
            this(upToBytes, memoryMb, 0);
        }
    }

    /**
     * Sends matching jobs to {@code backend}. A rule matches when every condition it sets holds:
     * some input starts with {@code inputPrefix}, and the job carries every tag in {@code tags}.
     */
    public record Rule(String name, String inputPrefix, Map<String, String> tags, Backend backend) {
        public Rule {
            if (backend == null) {
                throw new IllegalArgumentException("rule '" + name + "' must name a backend");
            }
            tags = tags == null ? Map.of() : Map.copyOf(tags);
            if (inputPrefix == null && tags.isEmpty()) {
                throw new IllegalArgumentException("rule '" + name + "' must set inputPrefix or tags");
            }
        }

        public boolean matches(List<String> inputUris, Map<String, String> jobTags) {
            boolean prefixOk = inputPrefix == null || inputUris.stream().anyMatch(u -> u.startsWith(inputPrefix));
            boolean tagsOk = tags.entrySet().stream().allMatch(e -> e.getValue().equals(jobTags.get(e.getKey())));
            return prefixOk && tagsOk;
        }

        public String describe() {
            StringBuilder s = new StringBuilder("rule '").append(name).append("' (");
            if (inputPrefix != null) {
                s.append("input prefix ").append(inputPrefix);
            }
            if (!tags.isEmpty()) {
                s.append(inputPrefix != null ? ", " : "").append("tags ").append(tags);
            }
            return s.append(')').toString();
        }
    }

    /**
     * An S3 ObjectCreated trigger: an object whose key starts with {@code prefix} (and ends with
     * {@code suffix}, if set) in {@code bucket} starts a job running {@code script} on that object, within
     * {@code deadline} when set (the router then picks the cheapest backend predicted to meet it).
     */
    public record Trigger(String name, String bucket, String prefix, String suffix, String script, String mainClass,
                          Map<String, String> arguments, Map<String, String> tags, java.time.Duration deadline) {
        public Trigger(String name, String bucket, String prefix, String suffix, String script, String mainClass,
                       Map<String, String> arguments, Map<String, String> tags) {
            this(name, bucket, prefix, suffix, script, mainClass, arguments, tags, null);
        }

        public Trigger {
            if (bucket == null || !bucket.matches("[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")) {
                throw new IllegalArgumentException("trigger '" + name + "' bucket must be an S3 bucket name, but was '" + bucket + "'");
            }
            prefix = prefix == null ? "" : prefix;
            suffix = suffix == null ? "" : suffix;
            if (script == null) {
                throw new IllegalArgumentException("trigger '" + name + "' must name a script");
            }
            dev.soal.core.S3Uri.parse(script);
            arguments = arguments == null ? Map.of() : Map.copyOf(arguments);
            tags = tags == null ? Map.of() : Map.copyOf(tags);
        }

        public boolean matches(String objectBucket, String key) {
            return bucket.equals(objectBucket) && key.startsWith(prefix) && key.endsWith(suffix);
        }
    }

    /** The first trigger that matches the object, if any. */
    public java.util.Optional<Trigger> triggerFor(String bucket, String key) {
        return triggers.stream().filter(t -> t.matches(bucket, key)).findFirst();
    }

    /**
     * Buckets that scripts, inputs and outputs may live in, and the Spark settings a job may set for
     * itself ({@code sparkConfKeys}: exact keys, or prefixes ending in {@code *}).
     */
    public record Allowlists(List<String> scriptBuckets, List<String> inputBuckets, List<String> outputBuckets,
                             List<String> sparkConfKeys) {
        /** The default: shuffle partitions, adaptive execution, file split size and the session time zone. */
        public static final List<String> DEFAULT_SPARK_CONF_KEYS = List.of("spark.sql.shuffle.partitions",
                "spark.sql.adaptive.*", "spark.sql.files.maxPartitionBytes", "spark.sql.session.timeZone");

        public Allowlists {
            scriptBuckets = List.copyOf(scriptBuckets);
            inputBuckets = List.copyOf(inputBuckets);
            outputBuckets = List.copyOf(outputBuckets);
            sparkConfKeys = sparkConfKeys == null ? DEFAULT_SPARK_CONF_KEYS : List.copyOf(sparkConfKeys);
        }

        public Allowlists(List<String> scriptBuckets, List<String> inputBuckets, List<String> outputBuckets) {
            this(scriptBuckets, inputBuckets, outputBuckets, null);
        }

        public boolean allowsSparkConf(String key) {
            return sparkConfKeys.stream().anyMatch(p -> p.endsWith("*") ? key.startsWith(p.substring(0, p.length() - 1)) : key.equals(p));
        }
    }
}
