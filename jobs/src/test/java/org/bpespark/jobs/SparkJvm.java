package org.bpespark.jobs;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Child JVMs running Spark from the build's {@code spark-home/jars} (Maven's Spark jars, no Spark
 * distribution): where the jars, the submit jar and the JVM flags are, the environment Spark needs on
 * this machine (loopback only), and stopping a process with its descendants (a Worker's executors).
 *
 * <p>Paths come from system properties failsafe sets (see jobs/pom.xml), so a build folder other than
 * {@code target} ({@code -Dbpe.build.dir=...}) works: {@code bpe.build.directory}, {@code bpe.spark.home},
 * {@code bpe.spark.jar}, {@code bpe.spark.jvm.flags}.
 */
final class SparkJvm {
    static final String LOOPBACK = "127.0.0.1";
    private static final String CLI_CLASS = "org.bpespark.jobs.cli.PipelineCli";
    /**
     * For the short-lived JVMs of a test (daemons, driver, executors) on small data: C1 only and the
     * serial collector start faster and burn less CPU on a loaded 2-core machine than C2 and G1.
     */
    static final List<String> QUICK_START = List.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC");

    private SparkJvm() {
    }

    /** The module's build folder ({@code project.build.directory}). */
    static Path buildDir() {
        return Path.of(System.getProperty("bpe.build.directory", "target")).toAbsolutePath();
    }

    /** A folder with {@code jars/}: usable as SPARK_HOME. */
    static Path sparkHome() {
        Path home = Path.of(System.getProperty("bpe.spark.home", buildDir().resolve("spark-home").toString()))
                .toAbsolutePath();
        if (!Files.isDirectory(home.resolve("jars"))) {
            throw new IllegalStateException("no Spark jars at " + home.resolve("jars") + " (run mvn package first)");
        }
        return home;
    }

    /** The spark-submit jar (our code plus fastutil and picocli). */
    static Path submitJar() {
        String configured = System.getProperty("bpe.spark.jar");
        Path jar = configured != null ? Path.of(configured)
                : buildDir().resolve("bpe-jobs-0.1.0-SNAPSHOT-spark.jar");
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException("no submit jar at " + jar + " (run mvn package first)");
        }
        return jar.toAbsolutePath();
    }

    /** The JVM flags Spark's launcher adds (the pom's {@code spark.jvm.flags}). */
    static List<String> jvmFlags() {
        String flags = System.getProperty("bpe.spark.jvm.flags", "").trim();
        if (flags.isEmpty()) {
            throw new IllegalStateException("system property bpe.spark.jvm.flags is not set (failsafe sets it)");
        }
        return Arrays.asList(flags.split("\\s+"));
    }

    static String javaExecutable() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    /** {@code java <heap> <flags> <extra> -cp "spark-home/jars/*" <main> <args>}. */
    static List<String> command(String heap, List<String> extraJvmOptions, String mainClass, List<String> args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(javaExecutable());
        cmd.add("-Xmx" + heap);
        cmd.addAll(jvmFlags());
        cmd.addAll(QUICK_START);
        cmd.addAll(extraJvmOptions);
        cmd.add("-cp");
        cmd.add(sparkHome().resolve("jars") + "/*");
        cmd.add(mainClass);
        cmd.addAll(args);
        return cmd;
    }

    /**
     * A process builder with Spark's environment: SPARK_HOME (executors find their jars there),
     * SPARK_SCALA_VERSION (else executors fail with "Cannot find any build directories"),
     * SPARK_LOCAL_IP (else Spark picks a non-loopback interface), JAVA_HOME (Workers start executors
     * with it), and SPARK_LOCAL_DIRS inside {@code localDir} so nothing is left in /tmp. Output and
     * errors go to {@code log}.
     */
    static ProcessBuilder builder(List<String> command, Path localDir, Path log) throws IOException {
        Files.createDirectories(localDir);
        Files.createDirectories(log.toAbsolutePath().getParent());
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().put("SPARK_HOME", sparkHome().toString());
        pb.environment().put("SPARK_SCALA_VERSION", "2.13");
        pb.environment().put("SPARK_LOCAL_IP", LOOPBACK);
        pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
        pb.environment().put("SPARK_LOCAL_DIRS", localDir.toAbsolutePath().toString());
        pb.environment().remove("SPARK_CONF_DIR");
        pb.environment().remove("SPARK_MASTER");
        pb.redirectErrorStream(true);
        pb.redirectOutput(log.toFile());
        return pb;
    }

    /** Command line arguments of the CLI through spark-submit in client mode. */
    static List<String> submitArgs(String masterUrl, Path localDir, List<String> sparkConf, List<String> cliArgs) {
        List<String> args = new ArrayList<>(List.of("--master", masterUrl, "--deploy-mode", "client",
                "--conf", "spark.driver.host=" + LOOPBACK, "--conf", "spark.driver.bindAddress=" + LOOPBACK,
                "--conf", "spark.ui.enabled=false",
                "--conf", "spark.local.dir=" + localDir.toAbsolutePath(),
                "--conf", "spark.executor.extraJavaOptions=" + String.join(" ", QUICK_START),
                "--executor-memory", "512m"));
        for (String c : sparkConf) {
            args.add("--conf");
            args.add(c);
        }
        args.addAll(List.of("--class", CLI_CLASS, submitJar().toString()));
        args.addAll(cliArgs);
        return args;
    }

    /** Free TCP ports on loopback (held open together, so they differ, then released). */
    static int[] freePorts(int n) {
        List<ServerSocket> sockets = new ArrayList<>();
        try {
            int[] ports = new int[n];
            for (int i = 0; i < n; i++) {
                ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName(LOOPBACK));
                sockets.add(s);
                ports[i] = s.getLocalPort();
            }
            return ports;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            for (ServerSocket s : sockets) {
                try {
                    s.close();
                } catch (IOException ignored) {
                    // closing a listening socket we opened
                }
            }
        }
    }

    /** Live descendants of a process, deepest first. */
    static List<ProcessHandle> descendants(ProcessHandle root) {
        List<ProcessHandle> all = new ArrayList<>(root.descendants().filter(ProcessHandle::isAlive).toList());
        java.util.Collections.reverse(all);
        return all;
    }

    /** Sends a signal (TERM, KILL, STOP, CONT, INT, ... or a number) to the processes, with kill(1). */
    static void signal(Collection<Long> pids, String signal) {
        if (pids.isEmpty()) {
            return;
        }
        List<String> cmd = new ArrayList<>(List.of("kill", "-s", signal.replaceFirst("^SIG", "")));
        if (signal.chars().allMatch(Character::isDigit)) {
            cmd = new ArrayList<>(List.of("kill", "-" + signal));
        }
        for (Long pid : pids) {
            cmd.add(Long.toString(pid));
        }
        try {
            Process kill = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String out = new String(kill.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!kill.waitFor(10, TimeUnit.SECONDS)) {
                kill.destroyForcibly();
                throw new IllegalStateException("kill did not finish: " + cmd);
            }
            if (kill.exitValue() != 0) {
                // a process that already exited is not an error here; others are
                for (Long pid : pids) {
                    if (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
                        throw new IllegalStateException(cmd + " failed: " + out.strip());
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /**
     * Stops processes: SIGTERM to all (a Worker's shutdown hook also stops its executors), waits up to
     * {@code grace}, then SIGKILL for whatever is left, and waits for those too.
     */
    static void stop(Collection<ProcessHandle> processes, Duration grace) {
        Set<ProcessHandle> alive = new LinkedHashSet<>();
        for (ProcessHandle p : processes) {
            if (p.isAlive()) {
                alive.add(p);
            }
        }
        alive.forEach(ProcessHandle::destroy);
        awaitExit(alive, grace);
        alive.removeIf(p -> !p.isAlive());
        alive.forEach(ProcessHandle::destroyForcibly);
        awaitExit(alive, Duration.ofSeconds(15));
    }

    private static void awaitExit(Collection<ProcessHandle> processes, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        for (ProcessHandle p : processes) {
            long left = deadline - System.nanoTime();
            try {
                p.onExit().get(Math.max(1, left), TimeUnit.NANOSECONDS);
            } catch (java.util.concurrent.TimeoutException e) {
                return;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (java.util.concurrent.ExecutionException e) {
                // onExit does not fail
            }
        }
    }

    /** The last lines of a log file, for failure messages. */
    static String tail(Path file, int lines) {
        if (!Files.isRegularFile(file)) {
            return "(no " + file + ")";
        }
        try {
            List<String> all = Files.readAllLines(file, StandardCharsets.UTF_8);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException | UncheckedIOException e) {
            try {
                String text = new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1);
                String[] all = text.split("\n");
                return String.join("\n", Arrays.asList(all).subList(Math.max(0, all.length - lines), all.length));
            } catch (IOException e2) {
                return "(unreadable " + file + ": " + e2 + ")";
            }
        }
    }

    /** Deletes a folder tree, best effort. */
    static void deleteTree(Path dir) {
        if (dir == null || !Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException ignored) {
                    // best effort
                }
            });
        } catch (IOException | UncheckedIOException ignored) {
            // best effort
        }
    }
}
