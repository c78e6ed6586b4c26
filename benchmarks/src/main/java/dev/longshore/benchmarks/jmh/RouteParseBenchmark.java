package dev.longshore.benchmarks.jmh;

import dev.longshore.proxy.api.Route;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;

/**
 * {@link Route#parse} on the paths a pull sends most: a manifest by tag, a blob by digest, and a manifest of a
 * deeply nested repository (parsing reads from the end, so depth should cost little). Every request pays this.
 * <pre>
 * java -jar benchmarks/target/benchmarks.jar RouteParseBenchmark
 * </pre>
 */
@State(Scope.Thread)
public class RouteParseBenchmark extends MicroBenchmark {

    private String manifest = "/v2/library/redis/manifests/7.2-alpine";
    private String blob = "/v2/library/redis/blobs/sha256:" + "4f5c".repeat(16);
    private String nested = "/v2/team/platform/base/images/java/runtime/manifests/21";

    @Benchmark
    public Route manifestByTag() {
        return Route.parse(manifest);
    }

    @Benchmark
    public Route blobByDigest() {
        return Route.parse(blob);
    }

    @Benchmark
    public Route nestedManifest() {
        return Route.parse(nested);
    }
}
