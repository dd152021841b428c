package dev.soal.router.embedded;

import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.soal.adapters.local.LocalProcesses;
import dev.soal.core.EmbeddedMetrics;
import dev.soal.core.Json;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * A local Lambda service that speaks Lambda's own two APIs, so the small path runs locally through the
 * same {@code LambdaBackend} adapter, and the same runtime interface client and handler, as in AWS.
 *
 * <ul>
 *   <li><b>Invoke API</b> ({@code POST /2015-03-31/functions/{name}/invocations}): {@code Event} is queued
 *   and answered 202, {@code RequestResponse} waits for the result (throttled with 429 when no environment
 *   is free), {@code DryRun} answers 204. Errors are answered as Lambda answers them: the code in
 *   {@code x-amzn-ErrorType} and a JSON body with {@code Type} and {@code message}.</li>
 *   <li><b>Runtime API</b> ({@code /2018-06-01/runtime/invocation/next}, {@code .../{id}/response},
 *   {@code .../{id}/error}, {@code /runtime/init/error}), one endpoint per execution environment, named to it
 *   by {@code AWS_LAMBDA_RUNTIME_API}.</li>
 * </ul>
 *
 * An execution environment is a JVM started as the Java images start one: the runtime interface client
 * ({@code AWSLambda}) loading the function's handler, inside a {@link LambdaSandbox}. Environments belong to
 * one function, start on demand while fewer than {@code concurrency} live (an idle one of another function
 * is stopped to make room), serve one invocation at a time, stay warm between them, and stop after
 * {@code idleTimeout} without work. INIT has a budget (Lambda's 10 s): past it the environment is replaced
 * by one whose INIT runs under the function timeout instead, as Lambda retries a slow INIT with the first
 * invocation. Environments here share one machine's cores, where Lambda gives each its own: so that an INIT
 * fits its budget, an environment starts only while no other is in INIT within its budget (the next starts when
 * that one asks for work, or once it has overrun and runs on under the function timeout). An invocation past
 * the function timeout kills its environment and fails
 * {@code Sandbox.Timedout}. Async invocations that fail are not retried (the functions are deployed with
 * {@code MaximumRetryAttempts} 0): their on-failure destination record goes to {@code onFailure}.
 *
 * <p>Not emulated: request signatures are not checked, qualifiers other than {@code $LATEST}, the maximum
 * event age, response streaming, extensions.
 */
public final class LocalLambdaService implements AutoCloseable {
    public static final String RIC_MAIN = "com.amazonaws.services.lambda.runtime.api.client.AWSLambda";
    public static final String ACCOUNT = "000000000000";
    /** Lambda's payload limits: 1 MB for an asynchronous invocation, 6 MB for a synchronous one. */
    public static final int MAX_EVENT_PAYLOAD = 1_048_576;
    public static final int MAX_SYNC_PAYLOAD = 6_291_456;
    private static final String INVOKE_PREFIX = "/2015-03-31/functions/";
    private static final String RUNTIME_PREFIX = "/2018-06-01/runtime/";
    private static final DateTimeFormatter DAY = DateTimeFormatter.ofPattern("yyyy/MM/dd").withZone(ZoneOffset.UTC);

    /** A function: its name, memory, timeout and handler ({@code Class::method}). */
    public record Function(String name, int memoryMb, Duration timeout, String handler) {
        public Function {
            if (name == null || !name.matches("[A-Za-z0-9_-]{1,64}")) {
                throw new IllegalArgumentException("a function name is 1-64 letters, digits, - or _, but was '" + name + "'");
            }
            if (memoryMb < 128 || memoryMb > 10_240) {
                throw new IllegalArgumentException("memoryMb must be within 128..10240, but was " + memoryMb);
            }
            if (timeout.isNegative() || timeout.isZero() || timeout.compareTo(Duration.ofSeconds(900)) > 0) {
                throw new IllegalArgumentException("timeout must be within 1..900 s, but was " + timeout);
            }
        }
    }

    /**
     * What every environment runs: the classpath (the runtime interface client, then the function's code),
     * JVM options, and variables beyond Lambda's own (the function's configured environment). {@code preflight}
     * runs before each environment starts; what it throws fails the invocation with its message. {@code code}
     * is the folder the classpath and options point into, which the sandbox keeps visible (read-only).
     */
    public record Runtime(String classpath, List<String> javaOptions, Map<String, String> environment, Runnable preflight,
                          List<Path> code) {
        public Runtime(String classpath, List<String> javaOptions, Map<String, String> environment) {
            this(classpath, javaOptions, environment, () -> { }, List.of());
        }
    }

    /**
     * @param concurrency  environments alive at once, over all functions (Lambda's concurrency limit)
     * @param idleTimeout  an environment with no work for this long is stopped
     * @param initBudget   INIT's budget (Lambda: 10 s)
     * @param heapShare    share of the function memory given to the heap (the rest: metaspace, threads, off-heap)
     */
    public record Settings(int concurrency, Duration idleTimeout, Duration initBudget, double heapShare, String region) {
        public static Settings defaults() {
            return new Settings(2, Duration.ofMinutes(10), Duration.ofSeconds(10), 0.8, "us-east-1");
        }

        public Settings withConcurrency(int n) {
            return new Settings(n, idleTimeout, initBudget, heapShare, region);
        }

        public Settings withIdleTimeout(Duration d) {
            return new Settings(concurrency, d, initBudget, heapShare, region);
        }

        public Settings withInitBudget(Duration d) {
            return new Settings(concurrency, idleTimeout, d, heapShare, region);
        }
    }

    /** How an invocation ended: Lambda's answer to a synchronous caller. */
    public record Result(String requestId, String payload, String functionError, String environmentId) {
        public boolean failed() {
            return functionError != null;
        }
    }

    /** An environment as seen from outside, for logs and tests. */
    public record EnvironmentView(String id, String function, String state, long pid, int invocations, Path tmp,
                                  String logStream, boolean provisioned) {
    }

    enum State { INIT, IDLE, BUSY, STOPPED }

    /** One invocation: queued, then handed to an environment, then answered. */
    public final class Invocation {
        final String requestId = UUID.randomUUID().toString();
        final Function function;
        final String payload;
        final boolean async;
        final CompletableFuture<Result> result = new CompletableFuture<>();
        final Instant queuedAt = Instant.now();

        Invocation(Function function, String payload, boolean async) {
            this.function = function;
            this.payload = payload;
            this.async = async;
        }

        public String requestId() {
            return requestId;
        }

        public CompletableFuture<Result> result() {
            return result;
        }
    }

    private final class Environment {
        final String id = "env-" + UUID.randomUUID().toString().substring(0, 8);
        final String logStream = DAY.format(Instant.now()) + "/[$LATEST]" + HexFormat.of().formatHex(uuidBytes());
        final Function function;
        final boolean suppressedInit;
        /** Kept ready (provisioned concurrency): INIT as {@code provisioned-concurrency}, no idle timeout. */
        final boolean provisioned;
        final long startedNanos = System.nanoTime();
        final Path dir;
        HttpServer api;
        Process process;
        State state = State.INIT;
        long idleSinceNanos;
        Invocation current;
        long deadlineMillis;
        int invocations;

        Environment(Function function, boolean suppressedInit, boolean provisioned) {
            this.function = function;
            this.suppressedInit = suppressedInit;
            this.provisioned = provisioned;
            this.dir = workDir.resolve(function.name()).resolve(id);
        }

        /** Answered its invocation and about to ask for the next: as good as idle. */
        boolean returning() {
            return state == State.BUSY && current == null;
        }

        EnvironmentView view() {
            return new EnvironmentView(id, function.name(), state.name(), process == null ? -1 : process.pid(),
                    invocations, dir.resolve("tmp"), logStream, provisioned);
        }
    }

    private final Runtime runtime;
    private final Optional<RicNativeLibrary> ricNative;
    private final Settings settings;
    private final Path workDir;
    private final LambdaSandbox sandbox;
    private final Consumer<String> logs;
    private final Consumer<String> onFailure;
    private final Map<String, Function> functions = new ConcurrentHashMap<>();
    private final Map<String, Deque<Invocation>> queues = new LinkedHashMap<>();
    private final List<Environment> environments = new ArrayList<>();
    private final HttpServer invokeApi;
    /** The file in each environment's folder naming its log stream. */
    public static final String LOG_STREAM_FILE = "log-stream";
    private final ExecutorService http;
    private final ScheduledExecutorService watchdog;
    /**
     * The one thread that starts environments, alive as long as the service: the sandbox's {@code --die-with-parent}
     * is the kernel's parent-death signal, which fires when the thread that started the process ends, not its JVM. An
     * environment started on a pooled thread was killed (exit status 137) once that thread idled out.
     */
    private final ExecutorService spawner;
    private volatile boolean closed;
    private final java.util.concurrent.atomic.AtomicLong answered = new java.util.concurrent.atomic.AtomicLong();

    private LocalLambdaService(Runtime runtime, Settings settings, Path workDir, LambdaSandbox sandbox,
                               Consumer<String> logs, Consumer<String> onFailure) throws IOException {
        this.runtime = runtime;
        this.ricNative = RicNativeLibrary.find(runtime.classpath());
        this.settings = settings;
        this.workDir = workDir;
        this.sandbox = sandbox;
        this.logs = logs;
        this.onFailure = onFailure;
        Files.createDirectories(workDir);
        this.http = Executors.newCachedThreadPool(daemon("soal-lambda-http"));
        this.invokeApi = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
        invokeApi.setExecutor(http);
        invokeApi.createContext("/", this::invokeApi);
        invokeApi.start();
        this.watchdog = Executors.newSingleThreadScheduledExecutor(daemon("soal-lambda-watchdog"));
        watchdog.scheduleWithFixedDelay(this::watch, 200, 200, TimeUnit.MILLISECONDS);
        this.spawner = Executors.newSingleThreadExecutor(daemon("soal-lambda-spawner"));
    }

    /**
     * Starts the service.
     *
     * @param onFailure receives the on-failure destination record (JSON) of every failed async invocation
     */
    public static LocalLambdaService start(Runtime runtime, Settings settings, Path workDir, LambdaSandbox sandbox,
                                           Consumer<String> logs, Consumer<String> onFailure) {
        try {
            LocalLambdaService s = new LocalLambdaService(runtime, settings, workDir, sandbox, logs, onFailure);
            logs.accept("local Lambda service at " + s.endpoint() + " (concurrency " + settings.concurrency()
                    + "; sandbox: " + sandbox.describe() + ")");
            return s;
        } catch (IOException e) {
            throw new IllegalStateException("cannot start the local Lambda service: " + e.getMessage(), e);
        }
    }

    public URI endpoint() {
        return URI.create("http://127.0.0.1:" + invokeApi.getAddress().getPort());
    }

    public void register(Function f) {
        functions.put(f.name(), f);
    }

    public String arn(Function f) {
        return "arn:aws:lambda:" + settings.region() + ":" + ACCOUNT + ":function:" + f.name();
    }

    /** Queues an invocation (async: as an {@code Event} invocation; else the caller waits for its result). */
    public Invocation invoke(String functionName, String payload, boolean async) {
        Function f = functions.get(functionName);
        if (f == null) {
            throw new IllegalArgumentException("Function not found: " + functionName);
        }
        Invocation inv = new Invocation(f, payload, async);
        synchronized (this) {
            if (closed) {
                throw new IllegalStateException("the local Lambda service is stopped");
            }
            queues.computeIfAbsent(f.name(), k -> new ArrayDeque<>()).add(inv);
            dispatch();
            notifyAll();
        }
        return inv;
    }

    /** Invocations answered so far (succeeded or failed). */
    public long answered() {
        return answered.get();
    }

    public synchronized List<EnvironmentView> environments() {
        return environments.stream().map(Environment::view).toList();
    }

    // ---- scheduling (all under this object's lock) ----

    /** Starts environments for queued work, within the concurrency limit. */
    private void dispatch() {
        if (closed) {
            return;
        }
        for (Map.Entry<String, Deque<Invocation>> q : queues.entrySet()) {
            Function f = functions.get(q.getKey());
            // a provisioned one still priming is not counted: a job does not wait for its INIT, as in Lambda
            long ready = environments.stream().filter(e -> e.function.name().equals(f.name())
                    && (e.state == State.IDLE || (e.state == State.INIT && !e.provisioned) || e.returning())).count();
            long need = q.getValue().size() - ready;
            while (need > 0) {
                if (initWithinBudget()) {
                    return; // its INIT ends in next() or overruns in watch(), and both dispatch again
                }
                if (environments.size() >= settings.concurrency() && !evictIdleOtherThan(f)) {
                    break;
                }
                startEnvironment(f, false);
                need--;
            }
        }
    }

    /** True while an environment is in INIT and has not used up its budget. */
    private boolean initWithinBudget() {
        long budget = settings.initBudget().toNanos();
        long now = System.nanoTime();
        return environments.stream().anyMatch(e -> e.state == State.INIT && now - e.startedNanos <= budget);
    }

    private boolean evictIdleOtherThan(Function f) {
        // an on-demand one first: a provisioned one is kept while room can be made otherwise
        Optional<Environment> idle = environments.stream().filter(e -> e.state == State.IDLE && !e.function.name().equals(f.name()))
                .min(java.util.Comparator.comparing(e -> e.provisioned));
        idle.ifPresent(e -> stop(e, "stopped to make room for " + f.name(), false));
        return idle.isPresent();
    }

    private void startEnvironment(Function f, boolean suppressedInit) {
        startEnvironment(f, suppressedInit, false);
    }

    /**
     * Starts an environment of {@code functionName} kept ready, as provisioned concurrency keeps one: its INIT runs as
     * {@code provisioned-concurrency} (the runtime then primes itself), under the function's timeout rather than
     * the INIT budget, and it is never stopped for being idle. Answers its id, or empty when the concurrency limit
     * leaves no room.
     */
    public synchronized Optional<String> provision(String functionName) {
        Function f = functions.get(functionName);
        if (f == null) {
            throw new IllegalArgumentException("no function " + functionName);
        }
        if (closed || (environments.size() >= settings.concurrency() && !evictIdleOtherThan(f))) {
            return Optional.empty();
        }
        int before = environments.size();
        startEnvironment(f, false, true);
        return environments.size() > before ? Optional.of(environments.get(environments.size() - 1).id) : Optional.empty();
    }

    private void startEnvironment(Function f, boolean suppressedInit, boolean provisioned) {
        Environment env = new Environment(f, suppressedInit, provisioned);
        environments.add(env);
        try {
            runtime.preflight().run();
            Path tmp = Files.createDirectories(env.dir.resolve("tmp"));
            // which log stream this folder's environment.log is, for reading a job's log back (EmbeddedLogs)
            Files.writeString(env.dir.resolve(LOG_STREAM_FILE), env.logStream);
            Path task = Files.createDirectories(env.dir.resolve("task"));
            env.api = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
            env.api.setExecutor(http);
            env.api.createContext("/", ex -> runtimeApi(env, ex));
            env.api.start();
            List<String> java = new ArrayList<>();
            java.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            java.add("-Xmx" + (int) (f.memoryMb() * settings.heapShare()) + "m");
            if (ricNative.isPresent()) {
                java.addAll(ricNative.get().install(tmp, sandbox.tmpInside(tmp)));
            }
            java.addAll(runtime.javaOptions());
            java.add("-cp");
            java.add(runtime.classpath());
            java.add(RIC_MAIN);
            java.add(f.handler());
            ProcessBuilder pb = new ProcessBuilder(sandbox.wrap(java, tmp, task, runtime.code())).directory(task.toFile())
                    .redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
            pb.environment().clear();
            pb.environment().putAll(lambdaVariables(env, sandbox.tmpInside(tmp)));
            env.process = spawn(pb);
            Process p = env.process;
            String prefix = "[" + f.name() + " " + env.id + "] ";
            // once the service closes, what a stopping environment prints goes to its environment.log only; so do
            // the metrics lines, which in AWS go to CloudWatch Logs and not to anyone's terminal
            Thread pump = new Thread(() -> LocalProcesses.pump(p.getInputStream(), env.dir.resolve("environment.log"),
                    line -> {
                        if (!closed && !EmbeddedMetrics.isLine(line)) {
                            logs.accept(prefix + line);
                        }
                    }), "soal-lambda-log-" + env.id);
            pump.setDaemon(true);
            pump.start();
            p.onExit().thenRun(() -> exited(env));
            logs.accept("[" + f.name() + "] " + env.id + " INIT" + (suppressedInit ? " (retried within the invocation)" : ""));
        } catch (IOException | RuntimeException e) {
            env.state = State.STOPPED;
            environments.remove(env);
            if (env.api != null) {
                env.api.stop(0);
            }
            logs.accept("[" + f.name() + "] " + env.id + " could not start: " + e.getMessage());
            failHead(f, "Runtime.Unknown", "the environment could not start: " + e.getMessage());
        }
    }

    /** Starts {@code pb} on the spawner thread, so the environment lives as long as the service (see {@link #spawner}). */
    private Process spawn(ProcessBuilder pb) throws IOException {
        try {
            return spawner.submit(pb::start).get();
        } catch (java.util.concurrent.ExecutionException e) {
            if (e.getCause() instanceof IOException io) {
                throw io;
            }
            throw new IllegalStateException("the environment could not start: " + e.getCause(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while starting the environment", e);
        }
    }

    /** The variables Lambda sets in an execution environment, and the function's own. */
    private Map<String, String> lambdaVariables(Environment env, String tmp) {
        Map<String, String> v = new LinkedHashMap<>(runtime.environment());
        v.put("PATH", "/usr/local/bin:/usr/bin:/bin");
        v.put("LANG", "en_US.UTF-8");
        v.put("TZ", ":UTC");
        v.put("HOME", tmp);
        v.put("_HANDLER", env.function.handler());
        v.put("AWS_EXECUTION_ENV", "AWS_Lambda_java17");
        v.put("AWS_REGION", settings.region());
        v.put("AWS_DEFAULT_REGION", settings.region());
        v.put("AWS_LAMBDA_FUNCTION_NAME", env.function.name());
        v.put("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", String.valueOf(env.function.memoryMb()));
        v.put("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST");
        v.put("AWS_LAMBDA_INITIALIZATION_TYPE", env.provisioned ? "provisioned-concurrency" : "on-demand");
        v.put("AWS_LAMBDA_LOG_GROUP_NAME", "/aws/lambda/" + env.function.name());
        v.put("AWS_LAMBDA_LOG_STREAM_NAME", env.logStream);
        v.put("AWS_LAMBDA_RUNTIME_API", "127.0.0.1:" + env.api.getAddress().getPort());
        v.put("LAMBDA_TASK_ROOT", env.dir.resolve("task").toString());
        v.put("LAMBDA_RUNTIME_DIR", env.dir.resolve("task").toString());
        v.put("SOAL_TMP_DIR", tmp);
        return v;
    }

    /** The environment asks for work: it is IDLE (INIT ends here) until an invocation or its idle timeout. */
    private Invocation next(Environment env) throws InterruptedException {
        synchronized (this) {
            if (env.state == State.INIT) {
                logs.accept("[" + env.function.name() + "] " + env.id + " INIT done in "
                        + (System.nanoTime() - env.startedNanos) / 1_000_000 + " ms");
            }
            if (env.state == State.STOPPED) {
                return null;
            }
            env.state = State.IDLE;
            env.current = null;
            env.idleSinceNanos = System.nanoTime();
            dispatch();
            while (true) {
                if (env.state == State.STOPPED || closed) {
                    return null;
                }
                Deque<Invocation> q = queues.get(env.function.name());
                Invocation inv = q == null ? null : q.poll();
                if (inv != null) {
                    env.state = State.BUSY;
                    env.current = inv;
                    env.invocations++;
                    env.deadlineMillis = System.currentTimeMillis() + inv.function.timeout().toMillis();
                    return inv;
                }
                long idleLeft = env.provisioned ? TimeUnit.SECONDS.toNanos(1)
                        : settings.idleTimeout().toNanos() - (System.nanoTime() - env.idleSinceNanos);
                if (idleLeft <= 0) {
                    stop(env, "idle for " + settings.idleTimeout().toSeconds() + " s", false);
                    dispatch();
                    return null;
                }
                wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(idleLeft)));
            }
        }
    }

    /** Stops an environment (under the lock; the caller dispatches); the process is killed outside it. */
    private void stop(Environment env, String why, boolean force) {
        if (env.state == State.STOPPED) {
            return;
        }
        env.state = State.STOPPED;
        environments.remove(env);
        logs.accept("[" + env.function.name() + "] " + env.id + " stopped: " + why);
        HttpServer api = env.api;
        Process p = env.process;
        http.execute(() -> {
            if (p != null) {
                kill(p, force);
            }
            if (api != null) {
                api.stop(0);
            }
        });
        notifyAll();
    }

    private static void kill(Process p, boolean force) {
        if (force) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
        } else {
            LocalProcesses.kill(p);
        }
    }

    private void exited(Environment env) {
        synchronized (this) {
            if (env.state == State.STOPPED) {
                return;
            }
            String status = "exit status " + env.process.exitValue();
            State was = env.state;
            Invocation inv = env.current;
            env.state = State.STOPPED;
            environments.remove(env);
            http.execute(() -> env.api.stop(0));
            logs.accept("[" + env.function.name() + "] " + env.id + " exited (" + status + ") while " + was);
            if (was == State.BUSY && inv != null) {
                finish(inv, env, error("Runtime.ExitError", "RequestId: " + inv.requestId + " Error: Runtime exited with error: " + status), true);
            } else if (was == State.INIT && !env.provisioned) { // a provisioned one's INIT was no job's
                failHead(env.function, "Runtime.ExitError", "Runtime exited during INIT with error: " + status);
            }
            notifyAll();
            dispatch();
        }
    }

    /** Fails the oldest queued invocation of {@code f}: INIT failed, so the invocation it was for fails. */
    private void failHead(Function f, String type, String message) {
        Deque<Invocation> q = queues.get(f.name());
        Invocation inv = q == null ? null : q.poll();
        if (inv != null) {
            finish(inv, null, error(type, message), true);
        }
    }

    private void watch() {
        synchronized (this) {
            long now = System.currentTimeMillis();
            for (Environment env : List.copyOf(environments)) {
                long age = (System.nanoTime() - env.startedNanos) / 1_000_000;
                if (env.state == State.BUSY && env.current != null && now > env.deadlineMillis) {
                    Invocation inv = env.current;
                    String after = String.format(java.util.Locale.ROOT, "%.2f", inv.function.timeout().toMillis() / 1000.0);
                    stop(env, "task timed out after " + after + " seconds", true);
                    finish(inv, env, error("Sandbox.Timedout", "RequestId: " + inv.requestId
                            + " Error: Task timed out after " + after + " seconds"), true);
                } else if (env.state == State.INIT && !env.suppressedInit && !env.provisioned && age > settings.initBudget().toMillis()) {
                    stop(env, "INIT took longer than " + settings.initBudget().toSeconds()
                            + " s; Lambda retries INIT with the first invocation, under the function timeout", true);
                    startEnvironment(env.function, true);
                } else if (env.state == State.INIT && (env.suppressedInit || env.provisioned) && age > env.function.timeout().toMillis()) {
                    stop(env, "INIT did not end within the function timeout", true);
                    if (!env.provisioned) {
                        failHead(env.function, "Sandbox.Timedout", "Task timed out during INIT after "
                                + env.function.timeout().toSeconds() + " seconds");
                    }
                }
            }
            dispatch();
        }
    }

    private static String error(String type, String message) {
        ObjectNode n = Json.mapper().createObjectNode();
        n.put("errorType", type);
        n.put("errorMessage", message);
        return n.toString();
    }

    /** What Lambda itself writes into the log stream (START, END, REPORT), into the environment's log. */
    private static void logLine(Environment env, String line) {
        try {
            Files.writeString(env.dir.resolve("environment.log"), line + "\n", StandardCharsets.UTF_8,
                    java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
        } catch (IOException e) {
            // the environment's folder is gone (the service is closing): nothing to read it back from either
        }
    }

    /** Answers an invocation; a failed async one sends its on-failure destination record. */
    private void finish(Invocation inv, Environment env, String payload, boolean failed) {
        Result r = new Result(inv.requestId, payload, failed ? "Unhandled" : null, env == null ? null : env.id);
        if (!inv.result.complete(r)) {
            return;
        }
        if (env != null) {
            logLine(env, "END RequestId: " + inv.requestId);
            logLine(env, "REPORT RequestId: " + inv.requestId + "\tMemory Size: " + env.function.memoryMb() + " MB");
        }
        answered.incrementAndGet();
        if (!failed || !inv.async) {
            return;
        }
        ObjectNode record = Json.mapper().createObjectNode();
        record.put("version", "1.0");
        record.put("timestamp", Instant.now().toString());
        ObjectNode ctx = record.putObject("requestContext");
        ctx.put("requestId", inv.requestId);
        ctx.put("functionArn", arn(inv.function) + ":$LATEST");
        ctx.put("condition", "RetriesExhausted");
        ctx.put("approximateInvokeCount", 1);
        record.set("requestPayload", parse(inv.payload));
        ObjectNode response = record.putObject("responseContext");
        response.put("statusCode", 200);
        response.put("executedVersion", "$LATEST");
        response.put("functionError", "Unhandled");
        record.set("responsePayload", parse(payload));
        String json = record.toString();
        http.execute(() -> {
            try {
                onFailure.accept(json);
            } catch (RuntimeException e) {
                logs.accept("on-failure destination of " + inv.requestId + " failed: " + e.getMessage());
            }
        });
    }

    private static JsonNode parse(String json) {
        try {
            return Json.mapper().readTree(json);
        } catch (IOException e) {
            return Json.mapper().getNodeFactory().textNode(json);
        }
    }

    /** A destination record as SQS delivers it to a Lambda function: one message whose body is the JSON. */
    public static SQSEvent asSqsEvent(String record, String region) {
        SQSEvent.SQSMessage m = new SQSEvent.SQSMessage();
        m.setMessageId(UUID.randomUUID().toString());
        m.setReceiptHandle(UUID.randomUUID().toString());
        m.setBody(record);
        m.setAttributes(Map.of("ApproximateReceiveCount", "1"));
        m.setMessageAttributes(Map.of());
        m.setEventSource("aws:sqs");
        m.setEventSourceArn("arn:aws:sqs:" + region + ":" + ACCOUNT + ":soal-runtime-failures");
        m.setAwsRegion(region);
        SQSEvent event = new SQSEvent();
        event.setRecords(List.of(m));
        return event;
    }

    // ---- the Invoke API ----

    private void invokeApi(HttpExchange ex) throws IOException {
        try (ex) {
            String path = ex.getRequestURI().getRawPath();
            if (path.equals(LocalEnvironments.PATH) && "GET".equals(ex.getRequestMethod())) {
                ex.getResponseHeaders().set("Content-Type", "application/json");
                send(ex, 200, LocalEnvironments.json(environments()).getBytes(StandardCharsets.UTF_8));
                return;
            }
            if (!path.startsWith(INVOKE_PREFIX) || !path.endsWith("/invocations")) {
                lambdaError(ex, 404, "UnknownOperationException", "Unknown operation " + ex.getRequestMethod() + " " + path);
                return;
            }
            if (!"POST".equals(ex.getRequestMethod())) {
                lambdaError(ex, 405, "UnknownOperationException", "Invoke takes POST, not " + ex.getRequestMethod());
                return;
            }
            String name = functionName(URLDecoder.decode(
                    path.substring(INVOKE_PREFIX.length(), path.length() - "/invocations".length()), StandardCharsets.UTF_8));
            String type = header(ex, "X-Amz-Invocation-Type", "RequestResponse");
            if (!List.of("Event", "RequestResponse", "DryRun").contains(type)) {
                lambdaError(ex, 400, "InvalidParameterValueException", "1 validation error detected: Value '" + type
                        + "' at 'invocationType' failed to satisfy constraint: Member must satisfy enum value set: [Event, RequestResponse, DryRun]");
                return;
            }
            Function f = name == null ? null : functions.get(name);
            if (f == null) {
                lambdaError(ex, 404, "ResourceNotFoundException", "Function not found: arn:aws:lambda:" + settings.region()
                        + ":" + ACCOUNT + ":function:" + name);
                return;
            }
            int limit = type.equals("Event") ? MAX_EVENT_PAYLOAD : MAX_SYNC_PAYLOAD;
            byte[] body = readAtMost(ex.getRequestBody(), limit);
            if (body == null) {
                lambdaError(ex, 413, "RequestTooLargeException", "Request must be smaller than " + limit
                        + " bytes for the Invoke operation (" + type + ")");
                return;
            }
            String payload = body.length == 0 ? "{}" : new String(body, StandardCharsets.UTF_8);
            try {
                Json.mapper().readTree(payload);
            } catch (IOException e) {
                lambdaError(ex, 400, "InvalidRequestContentException", "Could not parse request body into json: "
                        + (e instanceof com.fasterxml.jackson.core.JsonProcessingException j ? j.getOriginalMessage() : e.getMessage()));
                return;
            }
            if (type.equals("DryRun")) {
                ex.getResponseHeaders().set("x-amzn-RequestId", UUID.randomUUID().toString());
                ex.sendResponseHeaders(204, -1);
                return;
            }
            if (type.equals("RequestResponse") && !canServeNow(f)) {
                lambdaError(ex, 429, "TooManyRequestsException", "Rate Exceeded.",
                        "ReservedFunctionConcurrentInvocationLimitExceeded");
                return;
            }
            Invocation inv;
            try {
                inv = invoke(f.name(), payload, type.equals("Event"));
            } catch (IllegalStateException e) {
                lambdaError(ex, 503, "ServiceException", e.getMessage());
                return;
            }
            ex.getResponseHeaders().set("x-amzn-RequestId", inv.requestId);
            if (type.equals("Event")) {
                ex.sendResponseHeaders(202, -1);
                return;
            }
            Result r = inv.result.join();
            ex.getResponseHeaders().set("X-Amz-Executed-Version", "$LATEST");
            ex.getResponseHeaders().set("Content-Type", "application/json");
            if (r.failed()) {
                ex.getResponseHeaders().set("X-Amz-Function-Error", r.functionError());
            }
            send(ex, 200, r.payload().getBytes(StandardCharsets.UTF_8));
        } catch (RuntimeException e) {
            lambdaError(ex, 500, "ServiceException", String.valueOf(e.getMessage()));
        }
    }

    private synchronized boolean canServeNow(Function f) {
        boolean free = environments.stream().anyMatch(e -> e.function.name().equals(f.name())
                && (e.state == State.IDLE || e.returning()));
        return free || environments.size() < settings.concurrency()
                || environments.stream().anyMatch(e -> e.state == State.IDLE || e.returning());
    }

    /** The function's name from a name, an ARN or a partial ARN, with {@code $LATEST} as the only qualifier. */
    private static String functionName(String raw) {
        String s = raw;
        int fn = s.indexOf("function:");
        if (s.startsWith("arn:") || fn >= 0) {
            s = fn < 0 ? null : s.substring(fn + "function:".length());
        }
        if (s == null) {
            return null;
        }
        int colon = s.indexOf(':');
        if (colon >= 0) {
            String qualifier = s.substring(colon + 1);
            s = qualifier.equals("$LATEST") ? s.substring(0, colon) : null;
        }
        return s;
    }

    private static void lambdaError(HttpExchange ex, int status, String code, String message) throws IOException {
        lambdaError(ex, status, code, message, null);
    }

    private static void lambdaError(HttpExchange ex, int status, String code, String message, String reason) throws IOException {
        ObjectNode n = Json.mapper().createObjectNode();
        n.put("Type", "User");
        n.put("message", message);
        if (reason != null) {
            n.put("Reason", reason);
        }
        ex.getResponseHeaders().set("x-amzn-ErrorType", code);
        ex.getResponseHeaders().set("x-amzn-RequestId", UUID.randomUUID().toString());
        ex.getResponseHeaders().set("Content-Type", "application/json");
        send(ex, status, n.toString().getBytes(StandardCharsets.UTF_8));
    }

    // ---- the Runtime API of one environment ----

    private void runtimeApi(Environment env, HttpExchange ex) throws IOException {
        try (ex) {
            String path = ex.getRequestURI().getPath();
            String method = ex.getRequestMethod();
            if (!path.startsWith(RUNTIME_PREFIX)) {
                runtimeError(ex, 404, "UnknownPath", "no such Runtime API path: " + path);
                return;
            }
            String rest = path.substring(RUNTIME_PREFIX.length());
            if (rest.equals("invocation/next") && method.equals("GET")) {
                Invocation inv = next(env);
                if (inv == null) {
                    // stopped: Lambda would freeze and then end this environment; the connection just closes
                    return;
                }
                logLine(env, "START RequestId: " + inv.requestId + " Version: $LATEST");
                ex.getResponseHeaders().set("Content-Type", "application/json");
                ex.getResponseHeaders().set("Lambda-Runtime-Aws-Request-Id", inv.requestId);
                ex.getResponseHeaders().set("Lambda-Runtime-Deadline-Ms", String.valueOf(env.deadlineMillis));
                ex.getResponseHeaders().set("Lambda-Runtime-Invoked-Function-Arn", arn(inv.function));
                ex.getResponseHeaders().set("Lambda-Runtime-Trace-Id", "Root=1-" + Long.toHexString(System.currentTimeMillis() / 1000)
                        + "-" + HexFormat.of().formatHex(uuidBytes()).substring(0, 24) + ";Sampled=0");
                send(ex, 200, inv.payload.getBytes(StandardCharsets.UTF_8));
                return;
            }
            if (rest.equals("init/error") && method.equals("POST")) {
                String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
                synchronized (this) {
                    if (env.state == State.INIT) {
                        stop(env, "INIT failed: " + body, true);
                        if (!env.provisioned) {
                            failHead(env.function, header(ex, "Lambda-Runtime-Function-Error-Type", "Runtime.InitError"), body);
                        }
                        dispatch();
                    }
                }
                accepted(ex);
                return;
            }
            if (rest.startsWith("invocation/") && method.equals("POST")
                    && (rest.endsWith("/response") || rest.endsWith("/error"))) {
                boolean error = rest.endsWith("/error");
                String id = rest.substring("invocation/".length(), rest.lastIndexOf('/'));
                byte[] body = readAtMost(ex.getRequestBody(), MAX_SYNC_PAYLOAD);
                Invocation inv;
                synchronized (this) {
                    inv = env.current;
                    if (inv == null || !inv.requestId.equals(id) || env.state != State.BUSY) {
                        runtimeError(ex, 400, "InvalidRequestID", "Invalid request ID: " + id);
                        return;
                    }
                    env.current = null;
                }
                if (body == null) {
                    finish(inv, env, error("Function.ResponseSizeTooLarge", "Response payload size exceeded maximum allowed payload size ("
                            + MAX_SYNC_PAYLOAD + " bytes)."), true);
                    runtimeError(ex, 413, "RequestEntityTooLarge", "the response is larger than " + MAX_SYNC_PAYLOAD + " bytes");
                    return;
                }
                String payload = new String(body, StandardCharsets.UTF_8);
                if (error) {
                    String type = header(ex, "Lambda-Runtime-Function-Error-Type", null);
                    JsonNode n = parse(payload);
                    if (!n.isObject()) {
                        payload = error(type == null ? "Runtime.Unknown" : type, payload);
                    }
                }
                finish(inv, env, payload, error);
                accepted(ex);
                return;
            }
            runtimeError(ex, 404, "UnknownPath", "no such Runtime API call: " + method + " " + path);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void accepted(HttpExchange ex) throws IOException {
        ex.getResponseHeaders().set("Content-Type", "application/json");
        send(ex, 202, "{\"status\":\"OK\"}".getBytes(StandardCharsets.UTF_8));
    }

    private static void runtimeError(HttpExchange ex, int status, String type, String message) throws IOException {
        ex.getResponseHeaders().set("Content-Type", "application/json");
        send(ex, status, error(type, message).getBytes(StandardCharsets.UTF_8));
    }

    // ---- small helpers ----

    private static void send(HttpExchange ex, int status, byte[] body) throws IOException {
        ex.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        if (body.length > 0) {
            try (OutputStream out = ex.getResponseBody()) {
                out.write(body);
            }
        }
    }

    private static String header(HttpExchange ex, String name, String fallback) {
        String v = ex.getRequestHeaders().getFirst(name);
        return v == null || v.isBlank() ? fallback : v.trim();
    }

    /** The body, or null when it is longer than {@code limit}. */
    private static byte[] readAtMost(InputStream in, int limit) throws IOException {
        byte[] b = in.readNBytes(limit + 1);
        return b.length > limit ? null : b;
    }

    private static byte[] uuidBytes() {
        UUID u = UUID.randomUUID();
        java.nio.ByteBuffer bb = java.nio.ByteBuffer.allocate(16);
        bb.putLong(u.getMostSignificantBits()).putLong(u.getLeastSignificantBits());
        return bb.array();
    }

    private static ThreadFactory daemon(String name) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, name + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    /** Stops every environment and both APIs; queued invocations fail. */
    @Override
    public void close() {
        List<Process> processes = new ArrayList<>();
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            for (Environment e : environments) {
                e.state = State.STOPPED;
                if (e.process != null) {
                    processes.add(e.process);
                }
                if (e.current != null) {
                    e.current.result.complete(new Result(e.current.requestId, error("Runtime.Stopped", "the service stopped"), "Unhandled", e.id));
                }
            }
            environments.clear();
            for (Deque<Invocation> q : queues.values()) {
                for (Invocation inv : q) {
                    inv.result.complete(new Result(inv.requestId, error("Runtime.Stopped", "the service stopped"), "Unhandled", null));
                }
                q.clear();
            }
        }
        // the environments go first: woken while alive, their runtime client would find its API gone and print why
        processes.parallelStream().forEach(p -> kill(p, false));
        synchronized (this) {
            notifyAll();
        }
        watchdog.shutdownNow();
        invokeApi.stop(0);
        http.shutdownNow();
        spawner.shutdown();
    }
}
