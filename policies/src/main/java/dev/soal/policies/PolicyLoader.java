package dev.soal.policies;

import dev.soal.core.Backend;
import dev.soal.core.Sizes;
import dev.soal.core.StreamBinding;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Loads and validates the policies YAML. Every error names the file, the line, the field and the
 * bad value: {@code policies.yaml:4: lambda.maxInputBytes: expected a size such as 400MB or 1.5GB, but was 'lots'}.
 */
public final class PolicyLoader {

    private PolicyLoader() {
    }

    public static Policies load(Path file) {
        try {
            return parse(Files.readString(file), file.toString());
        } catch (NoSuchFileException e) {
            throw new PolicyException("policies file not found: " + file);
        } catch (IOException e) {
            throw new PolicyException("cannot read policies file " + file + ": " + e.getMessage(), e);
        }
    }

    /** The built-in defaults: the documented example {@code policies/policies.yaml}, packaged as a resource. */
    public static Policies defaults() {
        try (InputStream in = PolicyLoader.class.getResourceAsStream("policies.yaml")) {
            return parse(new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8), "policies.yaml");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static Policies parse(String yaml, String source) {
        Node root;
        try {
            root = new Yaml(new SafeConstructor(new LoaderOptions())).compose(new java.io.StringReader(yaml));
        } catch (MarkedYAMLException e) {
            throw new PolicyException(source + ":" + (e.getProblemMark().getLine() + 1) + ": not valid YAML: " + e.getProblem());
        }
        if (root == null) {
            throw new PolicyException(source + ": the policies file is empty");
        }
        return new Reader(source).policies(root);
    }

    /** Walks the node tree; {@code path} is the dotted field name used in messages. */
    private record Reader(String source) {

        Policies policies(Node root) {
            Map<String, Node> top = mapping(root, "(top level)", Set.of("version", "lambda", "clusters", "rules", "allowlists",
                    "emrServerless", "glue", "fallback", "triggers", "tables", "streams"));
            Node version = top.get("version");
            if (version != null && !"1".equals(scalar(version, "version"))) {
                throw error(version, "version", "only version 1 is known, but was '" + scalar(version, "version") + "'");
            }
            Policies.LambdaPolicy lambda = lambda(require(top, "lambda", root), "lambda");
            List<Backend> order = clusters(require(top, "clusters", root), "clusters");
            List<Policies.Rule> rules = top.containsKey("rules") ? rules(top.get("rules"), "rules") : List.of();
            Policies.Allowlists allow = allowlists(require(top, "allowlists", root), "allowlists");
            Policies.EmrPolicy emr = top.containsKey("emrServerless") ? emr(top.get("emrServerless"), "emrServerless") : null;
            Policies.GluePolicy glue = top.containsKey("glue") ? glue(top.get("glue"), "glue") : null;
            Map<Backend, Backend> fallback = top.containsKey("fallback") ? fallback(top.get("fallback"), "fallback") : null;
            List<Policies.Trigger> triggers = top.containsKey("triggers") ? triggers(top.get("triggers"), "triggers", allow) : List.of();
            Policies.TablesPolicy tables = top.containsKey("tables") ? tables(top.get("tables"), "tables") : null;
            List<StreamPolicy> streams = top.containsKey("streams") ? streams(top.get("streams"), "streams", lambda, allow) : List.of();
            boolean byCost = clustersByCost(require(top, "clusters", root), "clusters");
            return build(root, "(top level)", () -> new Policies(lambda, order, rules, allow, emr, glue, fallback, triggers,
                    tables, streams, byCost));
        }

        /**
         * The streams: each names its source ({@code kinesis: <stream ARN>}, or {@code kafka:} with a {@code cluster} ARN
         * or {@code bootstrapServers}, and a {@code topic}), its script (in a script bucket), its memory tier (one of
         * lambda.memory's), and its event source mapping's settings.
         */
        List<StreamPolicy> streams(Node node, String path, Policies.LambdaPolicy lambda, Policies.Allowlists allow) {
            List<Node> items = sequence(node, path);
            List<StreamPolicy> out = new ArrayList<>();
            for (int i = 0; i < items.size(); i++) {
                Node item = items.get(i);
                String p = path + "[" + i + "]";
                Map<String, Node> m = mapping(item, p, Set.of("name", "kinesis", "kafka", "script", "mainClass", "arguments",
                        "memoryMb", "batchSize", "batchingWindowSeconds", "startingPosition", "maximumRetries", "bisectOnError",
                        "parallelizationFactor", "onFailure", "provisionedPollers"));
                String name = scalar(require(m, "name", item), p + ".name");
                if (m.containsKey("kinesis") == m.containsKey("kafka")) {
                    throw error(item, p, "stream '" + name + "' must name exactly one source: kinesis (a stream's ARN) or kafka");
                }
                String source = m.containsKey("kinesis") ? StreamBinding.KINESIS : StreamBinding.KAFKA;
                String arn = null;
                String servers = null;
                String topic = null;
                if (m.containsKey("kinesis")) {
                    arn = scalar(m.get("kinesis"), p + ".kinesis");
                } else {
                    Map<String, Node> k = mapping(m.get("kafka"), p + ".kafka", Set.of("cluster", "bootstrapServers", "topic"));
                    if (k.containsKey("cluster") == k.containsKey("bootstrapServers")) {
                        throw error(m.get("kafka"), p + ".kafka", "must name either cluster (an MSK cluster's ARN) or bootstrapServers");
                    }
                    arn = k.containsKey("cluster") ? scalar(k.get("cluster"), p + ".kafka.cluster") : null;
                    if (k.containsKey("bootstrapServers")) {
                        List<String> list = new ArrayList<>();
                        List<Node> ss = sequence(k.get("bootstrapServers"), p + ".kafka.bootstrapServers");
                        for (int j = 0; j < ss.size(); j++) {
                            list.add(scalar(ss.get(j), p + ".kafka.bootstrapServers[" + j + "]"));
                        }
                        servers = String.join(",", list);
                    }
                    topic = scalar(require(k, "topic", m.get("kafka")), p + ".kafka.topic");
                }
                String script = scalar(require(m, "script", item), p + ".script");
                String mainClass = m.containsKey("mainClass") ? scalar(m.get("mainClass"), p + ".mainClass") : null;
                Map<String, String> args = m.containsKey("arguments") ? stringMap(m.get("arguments"), p + ".arguments") : Map.of();
                int memory = integer(require(m, "memoryMb", item), p + ".memoryMb");
                if (lambda.memory().stream().noneMatch(t -> t.memoryMb() == memory)) {
                    throw error(m.get("memoryMb"), p + ".memoryMb", "must be one of lambda.memory's tiers "
                            + lambda.memory().stream().map(Policies.MemoryTier::memoryMb).toList() + " (each tier is one runtime"
                            + " function), but was " + memory);
                }
                String a = arn;
                String sv = servers;
                String t = topic;
                StreamBinding binding = build(item, p, () -> new StreamBinding(name, source, a, sv, t, script, mainClass, args, memory));
                String bucket = dev.soal.core.S3Uri.parse(script).bucket();
                if (!allow.scriptBuckets().contains(bucket)) {
                    throw error(m.get("script"), p + ".script", "is in bucket '" + bucket + "', which allowlists.scriptBuckets does not list");
                }
                int batchSize = intOr(m, "batchSize", p, 100);
                int window = intOr(m, "batchingWindowSeconds", p, 0);
                String start = stringOr(m, "startingPosition", p, "TRIM_HORIZON");
                Integer retries = m.containsKey("maximumRetries") ? integer(m.get("maximumRetries"), p + ".maximumRetries") : null;
                boolean bisect = m.containsKey("bisectOnError") && bool(m.get("bisectOnError"), p + ".bisectOnError");
                int factor = intOr(m, "parallelizationFactor", p, 1);
                String onFailure = stringOr(m, "onFailure", p, StreamPolicy.DEFAULT_QUEUE);
                int min = 0;
                int max = 0;
                if (m.containsKey("provisionedPollers")) {
                    Map<String, Node> pp = mapping(m.get("provisionedPollers"), p + ".provisionedPollers", Set.of("min", "max"));
                    min = integer(require(pp, "min", m.get("provisionedPollers")), p + ".provisionedPollers.min");
                    max = intOr(pp, "max", p + ".provisionedPollers", Math.max(min, 1));
                }
                int mn = min;
                int mx = max;
                StreamPolicy stream = build(item, p, () -> new StreamPolicy(binding, batchSize, window, start, retries, bisect, factor,
                        onFailure, mn, mx));
                for (StreamPolicy earlier : out) {
                    if (earlier.binding().name().equals(name)) {
                        throw error(item, p + ".name", "stream '" + name + "' is named twice: a stream's name names its jobs");
                    }
                    StreamBinding e = earlier.binding();
                    if (e.source().equals(source) && java.util.Objects.equals(e.arn(), a) && java.util.Objects.equals(e.topic(), t)
                            && java.util.Objects.equals(e.bootstrapServers(), sv)) {
                        throw error(item, p, "stream '" + name + "' reads the same source as stream '" + e.name() + "': one mapping per source");
                    }
                }
                out.add(stream);
            }
            return out;
        }

        boolean bool(Node node, String path) {
            String text = scalar(node, path);
            if (!text.equals("true") && !text.equals("false")) {
                throw error(node, path, "expected true or false, but was '" + text + "'");
            }
            return Boolean.parseBoolean(text);
        }

        Policies.TablesPolicy tables(Node node, String path) {
            Map<String, Node> m = mapping(node, path, Set.of("warehouse"));
            Node warehouse = require(m, "warehouse", node);
            String value = scalar(warehouse, path + ".warehouse");
            return build(warehouse, path + ".warehouse", () -> new Policies.TablesPolicy(value));
        }

        /**
         * The triggers, each checked against the output buckets (a trigger there would start jobs on jobs' own
         * output, without end) and against the earlier ones on its bucket: S3 refuses a bucket's notification
         * configuration when two of its filters overlap (prefixes where one starts with the other, and suffixes
         * where one ends with the other), and would start two jobs for one object.
         */
        List<Policies.Trigger> triggers(Node node, String path, Policies.Allowlists allow) {
            List<Node> items = sequence(node, path);
            List<Policies.Trigger> out = new ArrayList<>();
            for (int i = 0; i < items.size(); i++) {
                Node item = items.get(i);
                String p = path + "[" + i + "]";
                Map<String, Node> t = mapping(item, p, Set.of("name", "bucket", "prefix", "suffix", "script", "mainClass",
                        "arguments", "tags", "deadline"));
                String name = t.containsKey("name") ? scalar(t.get("name"), p + ".name") : "#" + (i + 1);
                String bucket = scalar(require(t, "bucket", item), p + ".bucket");
                String prefix = t.containsKey("prefix") ? scalar(t.get("prefix"), p + ".prefix") : "";
                String suffix = t.containsKey("suffix") ? scalar(t.get("suffix"), p + ".suffix") : "";
                String script = scalar(require(t, "script", item), p + ".script");
                String mainClass = t.containsKey("mainClass") ? scalar(t.get("mainClass"), p + ".mainClass") : null;
                Map<String, String> args = t.containsKey("arguments") ? stringMap(t.get("arguments"), p + ".arguments") : Map.of();
                Map<String, String> tags = t.containsKey("tags") ? stringMap(t.get("tags"), p + ".tags") : Map.of();
                java.time.Duration deadline = t.containsKey("deadline") ? build(t.get("deadline"), p + ".deadline",
                        () -> dev.soal.core.Sizes.parseDuration(scalar(t.get("deadline"), p + ".deadline"))) : null;
                Policies.Trigger trigger = build(item, p, () -> new Policies.Trigger(name, bucket, prefix, suffix, script,
                        mainClass, args, tags, deadline));
                if (allow.outputBuckets().contains(bucket)) {
                    throw error(item, p + ".bucket", "trigger '" + name + "' watches '" + bucket + "', an output bucket"
                            + " (allowlists.outputBuckets), where jobs write: each job's output would start more jobs, without end;"
                            + " watch an input bucket");
                }
                for (Policies.Trigger earlier : out) {
                    if (earlier.bucket().equals(bucket) && overlap(earlier, trigger)) {
                        throw error(item, p, "trigger '" + name + "' overlaps trigger '" + earlier.name() + "' on bucket '"
                                + bucket + "' (prefixes '" + earlier.prefix() + "' and '" + prefix + "', suffixes '" + earlier.suffix()
                                + "' and '" + suffix + "'): an object can match both, and S3 refuses overlapping notification"
                                + " filters on one bucket; make the prefixes disjoint (neither starts with the other) or the"
                                + " suffixes (neither ends with the other)");
                    }
                }
                out.add(trigger);
            }
            return out;
        }

        static boolean overlap(Policies.Trigger a, Policies.Trigger b) {
            return (a.prefix().startsWith(b.prefix()) || b.prefix().startsWith(a.prefix()))
                    && (a.suffix().endsWith(b.suffix()) || b.suffix().endsWith(a.suffix()));
        }

        Map<String, String> stringMap(Node node, String path) {
            if (!(node instanceof MappingNode m)) {
                throw error(node, path, "expected a mapping of name: value, but was a " + kind(node));
            }
            Map<String, String> out = new LinkedHashMap<>();
            for (NodeTuple t : m.getValue()) {
                String k = scalar(t.getKeyNode(), path);
                out.put(k, scalar(t.getValueNode(), path + "." + k));
            }
            return out;
        }

        Policies.EmrPolicy emr(Node node, String path) {
            Map<String, Node> m = mapping(node, path, Set.of("driverCores", "driverMemory", "executorCores",
                    "executorMemory", "maxExecutors", "timeoutMinutes", "concurrentJobs", "initialCapacity"));
            Policies.EmrPolicy d = Policies.EmrPolicy.ofDefaults();
            int driverCores = intOr(m, "driverCores", path, d.driverCores());
            String driverMemory = stringOr(m, "driverMemory", path, d.driverMemory());
            int executorCores = intOr(m, "executorCores", path, d.executorCores());
            String executorMemory = stringOr(m, "executorMemory", path, d.executorMemory());
            int maxExecutors = intOr(m, "maxExecutors", path, d.maxExecutors());
            int timeout = intOr(m, "timeoutMinutes", path, d.timeoutMinutes());
            int concurrent = intOr(m, "concurrentJobs", path, d.concurrentJobs());
            Policies.InitialCapacity initial = Policies.InitialCapacity.NONE;
            if (m.containsKey("initialCapacity")) {
                String p = path + ".initialCapacity";
                Map<String, Node> c = mapping(m.get("initialCapacity"), p, Set.of("drivers", "executors"));
                int drivers = intOr(c, "drivers", p, 0);
                int executors = intOr(c, "executors", p, 0);
                initial = build(m.get("initialCapacity"), p, () -> new Policies.InitialCapacity(drivers, executors));
            }
            Policies.InitialCapacity initialCapacity = initial;
            return build(node, path, () -> new Policies.EmrPolicy(driverCores, driverMemory, executorCores, executorMemory,
                    maxExecutors, timeout, concurrent, initialCapacity));
        }

        Policies.GluePolicy glue(Node node, String path) {
            Map<String, Node> m = mapping(node, path, Set.of("workerType", "numberOfWorkers", "timeoutMinutes", "executionClass"));
            Policies.GluePolicy d = Policies.GluePolicy.ofDefaults();
            String workerType = stringOr(m, "workerType", path, d.workerType());
            int workers = intOr(m, "numberOfWorkers", path, d.numberOfWorkers());
            int timeout = intOr(m, "timeoutMinutes", path, d.timeoutMinutes());
            String executionClass = stringOr(m, "executionClass", path, d.executionClass());
            return build(node, path, () -> new Policies.GluePolicy(workerType, workers, timeout, executionClass));
        }

        Map<Backend, Backend> fallback(Node node, String path) {
            if (!(node instanceof MappingNode fm)) {
                throw error(node, path, "expected a mapping of backend: fallback backend, but was a " + kind(node));
            }
            Map<Backend, Backend> out = new java.util.EnumMap<>(Backend.class);
            for (NodeTuple t : fm.getValue()) {
                Backend from = backend(t.getKeyNode(), path);
                Backend to = backend(t.getValueNode(), path + "." + from);
                if (!from.isCluster() || !to.isCluster() || from == to) {
                    throw error(t.getKeyNode(), path + "." + from, "must map one cluster backend to another, but was "
                            + from + " -> " + to);
                }
                out.put(from, to);
            }
            return out;
        }

        Policies.LambdaPolicy lambda(Node node, String path) {
            Map<String, Node> m = mapping(node, path, Set.of("maxInputBytes", "memory", "timeoutSeconds", "spillOver", "expansion"));
            long max = m.containsKey("maxInputBytes")
                    ? size(m.get("maxInputBytes"), path + ".maxInputBytes")
                    : Policies.DEFAULT_MAX_INPUT_BYTES;
            List<Policies.MemoryTier> tiers = new ArrayList<>();
            List<Node> items = sequence(require(m, "memory", node), path + ".memory");
            for (int i = 0; i < items.size(); i++) {
                Node item = items.get(i);
                String p = path + ".memory[" + i + "]";
                Map<String, Node> t = mapping(item, p, Set.of("upTo", "memoryMb", "provisioned"));
                long upTo = size(require(t, "upTo", item), p + ".upTo");
                int mb = integer(require(t, "memoryMb", item), p + ".memoryMb");
                int provisioned = t.containsKey("provisioned") ? integer(t.get("provisioned"), p + ".provisioned") : 0;
                if (provisioned < 0 || provisioned > Policies.MemoryTier.MAX_PROVISIONED) {
                    throw error(t.get("provisioned"), p + ".provisioned", "must be within 0.." + Policies.MemoryTier.MAX_PROVISIONED
                            + " (environments kept ready), but was " + provisioned);
                }
                tiers.add(build(t.get("memoryMb"), p + ".memoryMb", () -> new Policies.MemoryTier(upTo, mb, provisioned)));
            }
            int timeout = m.containsKey("timeoutSeconds") ? integer(m.get("timeoutSeconds"), path + ".timeoutSeconds")
                    : Policies.LambdaPolicy.DEFAULT_TIMEOUT_SECONDS;
            if (timeout < 1 || timeout > 900) {
                throw error(m.get("timeoutSeconds"), path + ".timeoutSeconds", "must be within 1..900 (Lambda's limits), but was " + timeout);
            }
            Policies.SpillOver spill = m.containsKey("spillOver") ? spillOver(m.get("spillOver"), path + ".spillOver")
                    : Policies.SpillOver.ofDefaults();
            Map<String, Double> factors = new java.util.LinkedHashMap<>();
            if (m.containsKey("expansion")) {
                Map<String, Node> e = mapping(m.get("expansion"), path + ".expansion", Policies.Expansion.DEFAULTS.keySet());
                e.forEach((name, value) -> {
                    String text = scalar(value, path + ".expansion." + name);
                    try {
                        factors.put(name, Double.parseDouble(text));
                    } catch (NumberFormatException ex) {
                        throw error(value, path + ".expansion." + name, "expected a number such as 4 or 2.5, but was '" + text + "'");
                    }
                });
            }
            Policies.Expansion expansion = build(m.getOrDefault("expansion", node), path + ".expansion",
                    () -> new Policies.Expansion(factors));
            return build(node, path, () -> new Policies.LambdaPolicy(max, tiers, timeout, spill, expansion));
        }

        /** {@code true}, {@code false}, or the cluster backend to spill over to. */
        Policies.SpillOver spillOver(Node node, String path) {
            String text = scalar(node, path);
            if (text.equals("true") || text.equals("false")) {
                return new Policies.SpillOver(text.equals("true"), null);
            }
            Backend b = build(node, path, () -> Backend.fromId(text));
            if (!b.isCluster()) {
                throw error(node, path, "must be true, false or a cluster backend (standalone, emr-serverless, glue), but was '" + text + "'");
            }
            return new Policies.SpillOver(true, b);
        }

        /** {@code clusters.choose}: {@code cheapest} (the default) or {@code order}. */
        boolean clustersByCost(Node node, String path) {
            Map<String, Node> m = mapping(node, path, Set.of("order", "choose"));
            if (!m.containsKey("choose")) {
                return true;
            }
            String choose = scalar(m.get("choose"), path + ".choose");
            if (!choose.equals("order") && !choose.equals("cheapest")) {
                throw error(m.get("choose"), path + ".choose", "must be order or cheapest, but was '" + choose + "'");
            }
            return choose.equals("cheapest");
        }

        List<Backend> clusters(Node node, String path) {
            Map<String, Node> m = mapping(node, path, Set.of("order", "choose"));
            List<Node> items = sequence(require(m, "order", node), path + ".order");
            List<Backend> order = new ArrayList<>();
            for (int i = 0; i < items.size(); i++) {
                Backend b = backend(items.get(i), path + ".order[" + i + "]");
                if (!b.isCluster()) {
                    throw error(items.get(i), path + ".order[" + i + "]", "must be a cluster backend (standalone, emr-serverless, glue), but was 'lambda'");
                }
                if (order.contains(b)) {
                    throw error(items.get(i), path + ".order[" + i + "]", "lists '" + b + "' twice");
                }
                order.add(b);
            }
            return build(node, path + ".order", () -> {
                if (order.isEmpty()) {
                    throw new IllegalArgumentException("must name at least one cluster backend");
                }
                return order;
            });
        }

        List<Policies.Rule> rules(Node node, String path) {
            List<Node> items = sequence(node, path);
            List<Policies.Rule> rules = new ArrayList<>();
            for (int i = 0; i < items.size(); i++) {
                Node item = items.get(i);
                String p = path + "[" + i + "]";
                Map<String, Node> r = mapping(item, p, Set.of("name", "match", "backend"));
                String name = r.containsKey("name") ? scalar(r.get("name"), p + ".name") : "#" + (i + 1);
                Map<String, Node> match = mapping(require(r, "match", item), p + ".match", Set.of("inputPrefix", "tags"));
                String prefix = null;
                if (match.containsKey("inputPrefix")) {
                    prefix = scalar(match.get("inputPrefix"), p + ".match.inputPrefix");
                    String pp = prefix;
                    build(match.get("inputPrefix"), p + ".match.inputPrefix", () -> dev.soal.core.S3Uri.parse(pp));
                }
                Map<String, String> tags = new LinkedHashMap<>();
                if (match.containsKey("tags")) {
                    Node tagsNode = match.get("tags");
                    if (!(tagsNode instanceof MappingNode tm)) {
                        throw error(tagsNode, p + ".match.tags", "expected a mapping of tag: value");
                    }
                    for (NodeTuple t : tm.getValue()) {
                        String k = scalar(t.getKeyNode(), p + ".match.tags");
                        tags.put(k, scalar(t.getValueNode(), p + ".match.tags." + k));
                    }
                }
                Backend backend = backend(require(r, "backend", item), p + ".backend");
                String prefixFinal = prefix;
                rules.add(build(item, p, () -> new Policies.Rule(name, prefixFinal, tags, backend)));
            }
            return rules;
        }

        Policies.Allowlists allowlists(Node node, String path) {
            Map<String, Node> m = mapping(node, path, Set.of("scriptBuckets", "inputBuckets", "outputBuckets", "sparkConfKeys"));
            List<String> confKeys = null;
            if (m.containsKey("sparkConfKeys")) {
                confKeys = new ArrayList<>();
                List<Node> items = sequence(m.get("sparkConfKeys"), path + ".sparkConfKeys");
                for (int i = 0; i < items.size(); i++) {
                    String k = scalar(items.get(i), path + ".sparkConfKeys[" + i + "]");
                    if (!k.startsWith("spark.")) {
                        throw error(items.get(i), path + ".sparkConfKeys[" + i + "]", "must start with 'spark.', but was '" + k + "'");
                    }
                    confKeys.add(k);
                }
            }
            return new Policies.Allowlists(
                    buckets(require(m, "scriptBuckets", node), path + ".scriptBuckets"),
                    buckets(require(m, "inputBuckets", node), path + ".inputBuckets"),
                    buckets(require(m, "outputBuckets", node), path + ".outputBuckets"), confKeys);
        }

        List<String> buckets(Node node, String path) {
            List<Node> items = sequence(node, path);
            List<String> out = new ArrayList<>();
            for (int i = 0; i < items.size(); i++) {
                String b = scalar(items.get(i), path + "[" + i + "]");
                if (!b.matches("[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")) {
                    throw error(items.get(i), path + "[" + i + "]", "must be an S3 bucket name, but was '" + b + "'");
                }
                out.add(b);
            }
            if (out.isEmpty()) {
                throw error(node, path, "must list at least one bucket");
            }
            return out;
        }

        Backend backend(Node node, String path) {
            String id = scalar(node, path);
            return build(node, path, () -> Backend.fromId(id));
        }

        long size(Node node, String path) {
            String text = scalar(node, path);
            long bytes = build(node, path, () -> Sizes.parse(text));
            if (bytes <= 0) {
                throw error(node, path, "must be > 0, but was '" + text + "'");
            }
            return bytes;
        }

        /** The field's whole number, or {@code fallback} when it is not set. */
        int intOr(Map<String, Node> m, String key, String path, int fallback) {
            return m.containsKey(key) ? integer(m.get(key), path + "." + key) : fallback;
        }

        /** The field's value, or {@code fallback} when it is not set. */
        String stringOr(Map<String, Node> m, String key, String path, String fallback) {
            return m.containsKey(key) ? scalar(m.get(key), path + "." + key) : fallback;
        }

        int integer(Node node, String path) {
            String text = scalar(node, path);
            try {
                return Integer.parseInt(text.trim());
            } catch (NumberFormatException e) {
                throw error(node, path, "expected a whole number, but was '" + text + "'");
            }
        }

        String scalar(Node node, String path) {
            if (!(node instanceof ScalarNode s)) {
                throw error(node, path, "expected a single value, but was a " + kind(node));
            }
            return s.getValue();
        }

        List<Node> sequence(Node node, String path) {
            if (!(node instanceof SequenceNode s)) {
                throw error(node, path, "expected a list, but was a " + kind(node));
            }
            return s.getValue();
        }

        Map<String, Node> mapping(Node node, String path, Set<String> allowed) {
            if (!(node instanceof MappingNode m)) {
                throw error(node, path, "expected a mapping, but was a " + kind(node));
            }
            Map<String, Node> out = new LinkedHashMap<>();
            for (NodeTuple t : m.getValue()) {
                String key = scalar(t.getKeyNode(), path);
                String field = path.equals("(top level)") ? key : path + "." + key;
                if (!allowed.contains(key)) {
                    throw error(t.getKeyNode(), field, "unknown field (expected one of " + new java.util.TreeSet<>(allowed) + ")");
                }
                if (out.put(key, t.getValueNode()) != null) {
                    throw error(t.getKeyNode(), field, "is set twice");
                }
            }
            return out;
        }

        Node require(Map<String, Node> m, String key, Node parent) {
            Node n = m.get(key);
            if (n == null) {
                throw new PolicyException(source + ":" + line(parent) + ": missing required field '" + key + "'");
            }
            return n;
        }

        <T> T build(Node node, String path, java.util.function.Supplier<T> f) {
            try {
                return f.get();
            } catch (IllegalArgumentException e) {
                throw error(node, path, e.getMessage());
            }
        }

        PolicyException error(Node node, String path, String message) {
            return new PolicyException(source + ":" + line(node) + ": " + path + ": " + message);
        }

        static int line(Node node) {
            return node.getStartMark() == null ? 0 : node.getStartMark().getLine() + 1;
        }

        static String kind(Node node) {
            return switch (node.getNodeId()) {
                case scalar -> "single value";
                case sequence -> "list";
                case mapping -> "mapping";
                default -> node.getNodeId().name();
            };
        }
    }

}
