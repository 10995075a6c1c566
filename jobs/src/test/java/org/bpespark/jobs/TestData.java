package org.bpespark.jobs;

import java.nio.file.Files;
import java.nio.file.Path;

/** Where the shared fixtures and corpora are ({@code ../shared}, passed by surefire/failsafe as {@code shared.dir}). */
public final class TestData {
    private TestData() {
    }

    public static Path shared() {
        String configured = System.getProperty("shared.dir");
        if (configured != null && Files.isDirectory(Path.of(configured))) {
            return Path.of(configured);
        }
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolveSibling("shared");
            if (Files.isDirectory(candidate.resolve("conformance"))) {
                return candidate;
            }
        }
        throw new IllegalStateException("../shared not found; set -Dshared.dir");
    }

    public static Path fixture(String name) {
        return shared().resolve("conformance/cs336/fixtures").resolve(name);
    }

    public static Path corpus(String name) {
        return shared().resolve("corpora").resolve(name);
    }
}
