package org.bpespark.jobs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * A Spark standalone cluster on loopback for integration tests: one Master and N Workers (1 core,
 * 1 GiB each) as child JVMs from the build's Spark jars, each with its own free ports, logs, work and
 * local folders under one temporary folder. {@link #close()} stops every process it started, the
 * Workers' executors included, and deletes that folder.
 *
 * <pre>{@code
 * try (StandaloneCluster cluster = StandaloneCluster.start(2)) {
 *     int exit = cluster.submit(log, Duration.ofMinutes(2), List.of("spark.cores.max=2"), "pretokenize", "--input", ...);
 *     Submission running = cluster.startSubmit(log2, List.of(), "encode-shards", ...);
 *     cluster.killWorker(0, "KILL");   // a node lost mid-job: the Worker and its executors
 *     int exit2 = running.await(Duration.ofMinutes(3));
 * }
 * }</pre>
 */
public final class StandaloneCluster implements AutoCloseable {
    /** Start-up bound for the Master, and again for all Workers (each takes 6–20 s on a loaded machine). */
    public static final Duration DEFAULT_START_TIMEOUT = Duration.ofSeconds(120);
    private static final String MASTER_CLASS = "org.apache.spark.deploy.master.Master";
    private static final String WORKER_CLASS = "org.apache.spark.deploy.worker.Worker";
    private static final ObjectMapper JSON = new ObjectMapper();

    /** A started Worker: its process, RPC port (part of its id at the Master), folders and log. */
    private record Worker(Process process, int port, Path workDir, Path log) {
    }

    private final Path dir;
    private final int masterPort;
    private final int masterUiPort;
    private final Path masterLog;
    private Process master;
    private final List<Worker> workers = new ArrayList<>();
    /** Every descendant seen (executors), so close() stops them even after their Worker died. */
    private final Set<ProcessHandle> seenDescendants = new LinkedHashSet<>();
    private final List<Submission> submissions = new ArrayList<>();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final Thread shutdownHook = new Thread(this::stopAll, "standalone-cluster-shutdown");
    private boolean closed;

    private StandaloneCluster(Path dir) {
        this.dir = dir;
        int[] ports = SparkJvm.freePorts(2);
        this.masterPort = ports[0];
        this.masterUiPort = ports[1];
        this.masterLog = dir.resolve("master.log");
    }

    /** Starts a Master and {@code workers} Workers and waits until the Master reports them all ALIVE. */
    public static StandaloneCluster start(int workers) throws IOException, InterruptedException {
        return start(workers, DEFAULT_START_TIMEOUT, List.of());
    }

    /**
     * Starts a cluster. {@code daemonOptions} are extra JVM options for the Master and the Workers
     * (e.g. {@code -Dspark.worker.timeout=10}).
     */
    public static StandaloneCluster start(int workers, Duration timeout, List<String> daemonOptions)
            throws IOException, InterruptedException {
        if (workers < 1) {
            throw new IllegalArgumentException("workers must be at least 1");
        }
        Path dir = Files.createTempDirectory("bpe-standalone-");
        StandaloneCluster cluster = new StandaloneCluster(dir);
        Runtime.getRuntime().addShutdownHook(cluster.shutdownHook);
        try {
            cluster.startMaster(timeout, daemonOptions);
            cluster.startWorkers(workers, timeout, daemonOptions);
            return cluster;
        } catch (IOException | InterruptedException | RuntimeException | Error e) {
            try {
                e.addSuppressed(new IllegalStateException("cluster logs:\n" + cluster.logTails(40)));
                cluster.close();
            } catch (RuntimeException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    private void startMaster(Duration timeout, List<String> daemonOptions) throws IOException, InterruptedException {
        List<String> args = List.of("--host", SparkJvm.LOOPBACK, "--port", Integer.toString(masterPort),
                "--webui-port", Integer.toString(masterUiPort));
        master = SparkJvm.builder(SparkJvm.command("512m", daemonOptions, MASTER_CLASS, args),
                dir.resolve("master-local"), masterLog).directory(dir.toFile()).start();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            requireAlive(master, "Master", masterLog);
            JsonNode state = masterStateOrNull();
            if (state != null && "ALIVE".equals(state.path("status").asText())) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the Master did not come up within " + timeout + " (log: "
                        + masterLog + ")\n" + SparkJvm.tail(masterLog, 40));
            }
            Thread.sleep(250);
        }
    }

    private void startWorkers(int n, Duration timeout, List<String> daemonOptions)
            throws IOException, InterruptedException {
        int[] ports = SparkJvm.freePorts(2 * n);
        for (int i = 0; i < n; i++) {
            Path workDir = Files.createDirectories(dir.resolve("worker-" + i + "/work"));
            Path log = dir.resolve("worker-" + i + ".log");
            List<String> args = List.of("--host", SparkJvm.LOOPBACK, "--port", Integer.toString(ports[2 * i]),
                    "--webui-port", Integer.toString(ports[2 * i + 1]), "--cores", "1", "--memory", "1g",
                    "--work-dir", workDir.toString(), masterUrl());
            Process p = SparkJvm.builder(SparkJvm.command("512m", daemonOptions, WORKER_CLASS, args),
                    dir.resolve("worker-" + i + "/local"), log).directory(dir.toFile()).start();
            workers.add(new Worker(p, ports[2 * i], workDir, log));
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            requireAlive(master, "Master", masterLog);
            for (int i = 0; i < workers.size(); i++) {
                requireAlive(workers.get(i).process(), "Worker " + i, workers.get(i).log());
            }
            if (aliveWorkerCount() == n) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the Workers were not ALIVE at the Master within " + timeout
                        + "; Master state: " + masterStateOrNull());
            }
            Thread.sleep(250);
        }
    }

    private static void requireAlive(Process p, String what, Path log) {
        if (!p.isAlive()) {
            throw new IllegalStateException(what + " exited with code " + p.exitValue() + " (log: " + log + ")\n"
                    + SparkJvm.tail(log, 40));
        }
    }

    /** {@code spark://127.0.0.1:PORT}. */
    public String masterUrl() {
        return "spark://" + SparkJvm.LOOPBACK + ":" + masterPort;
    }

    /** The Master's web UI on loopback ({@code /json/} holds its state). */
    public URI masterWebUi() {
        return URI.create("http://" + SparkJvm.LOOPBACK + ":" + masterUiPort + "/");
    }

    /** The cluster's temporary folder (logs, work and local folders); deleted by {@link #close()}. */
    public Path dir() {
        return dir;
    }

    public int workerCount() {
        return workers.size();
    }

    public Process workerProcess(int i) {
        return workers.get(i).process();
    }

    public long workerPid(int i) {
        return workers.get(i).process().pid();
    }

    /** Worker i's work folder: {@code app-*}/{@code <executor id>}/{@code stderr} per executor it ran. */
    public Path workerWorkDir(int i) {
        return workers.get(i).workDir();
    }

    public Path workerLog(int i) {
        return workers.get(i).log();
    }

    public Path masterLog() {
        return masterLog;
    }

    /** Pids of Worker i's live descendants: the executors it launched (and their children). */
    public List<Long> executorPids(int i) {
        List<ProcessHandle> children = SparkJvm.descendants(workers.get(i).process().toHandle());
        synchronized (seenDescendants) {
            seenDescendants.addAll(children);
        }
        return children.stream().map(ProcessHandle::pid).toList();
    }

    /**
     * Signals Worker i and its executors, as when a machine is lost; returns the pids signalled,
     * executors first. Signals: TERM, KILL, STOP, CONT, ... With TERM alone the Worker's shutdown hook
     * would stop its executors itself; with KILL they would linger until they notice the lost Worker.
     */
    public List<Long> killWorker(int i, String signal) {
        return killWorker(i, signal, true);
    }

    /** Signals Worker i, and its executors too when {@code withExecutors}; returns the pids signalled. */
    public List<Long> killWorker(int i, String signal, boolean withExecutors) {
        List<Long> pids = new ArrayList<>(executorPids(i)); // also remembered for close()
        if (!withExecutors) {
            pids.clear();
        }
        pids.add(workerPid(i));
        SparkJvm.signal(pids, signal);
        return pids;
    }

    /** Waits until Worker i's process has exited. */
    public boolean awaitWorkerExit(int i, Duration timeout) throws InterruptedException {
        return workers.get(i).process().waitFor(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
    }

    /** The Master's state ({@code /json/}): status, workers with state, active and completed apps. */
    public JsonNode masterState() throws IOException, InterruptedException {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(masterWebUi().resolve("json/"))
                .timeout(Duration.ofSeconds(10)).GET().build(), HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new IOException("Master /json/ answered " + response.statusCode());
        }
        return JSON.readTree(response.body());
    }

    private JsonNode masterStateOrNull() throws InterruptedException {
        try {
            return masterState();
        } catch (IOException e) {
            return null;
        }
    }

    /** How many of this cluster's Workers the Master reports ALIVE (0 if it does not answer). */
    public int aliveWorkerCount() throws InterruptedException {
        JsonNode state = masterStateOrNull();
        if (state == null) {
            return 0;
        }
        int alive = 0;
        for (JsonNode w : state.path("workers")) {
            if ("ALIVE".equals(w.path("state").asText()) && isOurs(w.path("port").asInt())) {
                alive++;
            }
        }
        return alive;
    }

    private boolean isOurs(int port) {
        return workers.stream().anyMatch(w -> w.port() == port);
    }

    /** Starts the pipeline CLI on this cluster with spark-submit (client mode) in a child JVM. */
    public Submission startSubmit(Path log, List<String> sparkConf, String... cliArgs) throws IOException {
        Submission s = Submission.start(masterUrl(), dir.resolve("driver-local"), log, sparkConf, cliArgs);
        synchronized (submissions) {
            submissions.add(s);
        }
        return s;
    }

    /** Runs the pipeline CLI on this cluster and returns its exit code; fails after {@code timeout}. */
    public int submit(Path log, Duration timeout, List<String> sparkConf, String... cliArgs)
            throws IOException, InterruptedException {
        try (Submission s = startSubmit(log, sparkConf, cliArgs)) {
            return s.await(timeout);
        }
    }

    /** The last lines of the Master's, the Workers' and their executors' logs. */
    public String logTails(int lines) {
        StringBuilder out = new StringBuilder();
        out.append("==> ").append(masterLog).append('\n').append(SparkJvm.tail(masterLog, lines)).append('\n');
        for (Worker w : workers) {
            out.append("==> ").append(w.log()).append('\n').append(SparkJvm.tail(w.log(), lines)).append('\n');
            try (Stream<Path> files = Files.walk(w.workDir())) {
                for (Path f : files.filter(p -> p.getFileName().toString().equals("stderr")).toList()) {
                    out.append("==> ").append(f).append('\n').append(SparkJvm.tail(f, lines)).append('\n');
                }
            } catch (IOException | java.io.UncheckedIOException e) {
                out.append("(cannot list ").append(w.workDir()).append(": ").append(e).append(")\n");
            }
        }
        return out.toString();
    }

    public void dumpLogs(PrintStream out, int lines) {
        out.println(logTails(lines));
    }

    /** Copies the logs (Master, Workers, executors' stdout/stderr) into {@code target}, keeping their layout. */
    public void copyLogs(Path target) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                String name = f.getFileName().toString();
                if (name.endsWith(".log") || name.equals("stderr") || name.equals("stdout")) {
                    Path to = target.resolve(dir.relativize(f).toString());
                    Files.createDirectories(to.getParent());
                    Files.copy(f, to, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
    }

    /**
     * Stops submissions, executors, Workers and the Master (TERM, then KILL), and deletes the folder
     * (kept with {@code -Dbpe.it.keep=true}, for debugging).
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        stopAll();
        if (Boolean.getBoolean("bpe.it.keep")) {
            System.err.println("StandaloneCluster: kept " + dir);
        } else {
            SparkJvm.deleteTree(dir);
        }
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException ignored) {
            // the JVM is shutting down: the hook runs anyway
        }
    }

    private void stopAll() {
        synchronized (submissions) {
            submissions.forEach(Submission::close);
        }
        List<ProcessHandle> all = new ArrayList<>();
        for (Worker w : workers) {
            all.addAll(SparkJvm.descendants(w.process().toHandle()));
        }
        synchronized (seenDescendants) {
            all.addAll(seenDescendants);
        }
        for (Worker w : workers) {
            all.add(w.process().toHandle());
        }
        if (master != null) {
            all.addAll(SparkJvm.descendants(master.toHandle()));
            all.add(master.toHandle());
        }
        SparkJvm.stop(all, Duration.ofSeconds(20));
    }

    /**
     * One spark-submit run of the CLI in a child JVM (the driver, client mode), output in a log file.
     * {@link #close()} stops it and its descendants if it still runs.
     */
    public static final class Submission implements AutoCloseable {
        private final Process process;
        private final Path log;

        private Submission(Process process, Path log) {
            this.process = process;
            this.log = log;
        }

        /**
         * Starts {@code java -cp "spark-home/jars/*" <flags> org.apache.spark.deploy.SparkSubmit --master URL
         * --deploy-mode client ... --class org.bpespark.jobs.cli.PipelineCli <submit jar> <cliArgs>}.
         */
        public static Submission start(String masterUrl, Path localDir, Path log, List<String> sparkConf,
                                       String... cliArgs) throws IOException {
            List<String> args = SparkJvm.submitArgs(masterUrl, localDir, sparkConf, List.of(cliArgs));
            List<String> cmd = SparkJvm.command("1g", List.of(), "org.apache.spark.deploy.SparkSubmit", args);
            Files.writeString(log, String.join(" ", cmd) + "\n");
            ProcessBuilder pb = SparkJvm.builder(cmd, localDir, log);
            pb.redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
            return new Submission(pb.start(), log);
        }

        public long pid() {
            return process.pid();
        }

        public Process process() {
            return process;
        }

        public Path log() {
            return log;
        }

        /** Waits for the exit code; past {@code timeout} stops the driver and fails with its log's tail. */
        public int await(Duration timeout) throws InterruptedException {
            if (!process.waitFor(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)) {
                close();
                throw new AssertionError("spark-submit did not finish within " + timeout + "; log " + log + ":\n"
                        + SparkJvm.tail(log, 60));
            }
            return process.exitValue();
        }

        @Override
        public void close() {
            List<ProcessHandle> all = new ArrayList<>(SparkJvm.descendants(process.toHandle()));
            all.add(process.toHandle());
            SparkJvm.stop(all, Duration.ofSeconds(10));
        }
    }
}
