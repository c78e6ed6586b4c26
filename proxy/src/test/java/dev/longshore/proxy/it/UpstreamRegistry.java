package dev.longshore.proxy.it;

import com.github.dockerjava.api.model.ExposedPort;
import com.github.dockerjava.api.model.PortBinding;
import com.github.dockerjava.api.model.Ports;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.wait.strategy.HttpWaitStrategy;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.utility.DockerImageName;
import org.testcontainers.utility.MountableFile;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import static org.awaitility.Awaitility.await;

/**
 * The reference registry ({@code registry:2}, built locally by scripts/build-test-images) in a Testcontainers
 * container, published on a FIXED 127.0.0.1 port so that it can be stopped (an upstream outage) and started again
 * at the same address, with its content (an anonymous volume) intact.
 */
final class UpstreamRegistry implements AutoCloseable {

    /** Every manifest type a modern client accepts; the registry then serves what was pushed, unconverted. */
    static final String ACCEPT_ALL = String.join(", ",
            "application/vnd.oci.image.index.v1+json",
            "application/vnd.oci.image.manifest.v1+json",
            "application/vnd.docker.distribution.manifest.list.v2+json",
            "application/vnd.docker.distribution.manifest.v2+json");

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private final GenericContainer<?> container;
    private final int port;
    private final boolean tls;

    private UpstreamRegistry(GenericContainer<?> container, int port, boolean tls) {
        this.container = container;
        this.port = port;
        this.tls = tls;
    }

    static UpstreamRegistry start() {
        return start(Map.of(), Map.of());
    }

    /**
     * A registry configured by environment variables ({@code REGISTRY_AUTH=token}, ...) with {@code files} (host
     * path to container path) copied in before it starts; ready when {@code /v2/} answers 200, or 401 when the
     * configuration asks for authentication. With {@code REGISTRY_HTTP_TLS_CERTIFICATE} it serves HTTPS only, and
     * {@link #url()} says so; {@link #manifest}, {@link #stop()} and {@link #restart()} are then not available.
     */
    @SuppressWarnings("resource")
    static UpstreamRegistry start(Map<String, String> env, Map<Path, String> files) {
        int port = freePort();
        boolean tls = env.containsKey("REGISTRY_HTTP_TLS_CERTIFICATE");
        HttpWaitStrategy ready = Wait.forHttp("/v2/").forStatusCodeMatching(s -> s == 200 || s == 401);
        if (tls) {
            ready = ready.usingTls().allowInsecure();
        }
        GenericContainer<?> c = new GenericContainer<>(DockerImageName.parse("registry:2"))
                .withExposedPorts(5000)
                .withEnv(env)
                .withCreateContainerCmdModifier(cmd -> cmd.getHostConfig().withPortBindings(
                        new PortBinding(Ports.Binding.bindIpAndPort("127.0.0.1", port), ExposedPort.tcp(5000))))
                .waitingFor(ready.withStartupTimeout(Duration.ofSeconds(60)));
        files.forEach((host, inContainer) -> c.withCopyFileToContainer(MountableFile.forHostPath(host), inContainer));
        c.start();
        return new UpstreamRegistry(c, port, tls);
    }

    /** {@code 127.0.0.1:<port>}: the registry's name in image references. */
    String hostPort() {
        return "127.0.0.1:" + port;
    }

    URI url() {
        return URI.create((tls ? "https://" : "http://") + hostPort());
    }

    /** Stops the container (the upstream goes away; connections are refused) and waits until it no longer answers. */
    void stop() {
        DockerClientFactory.instance().client().stopContainerCmd(container.getContainerId()).withTimeout(5).exec();
        await("upstream " + hostPort() + " stops answering").atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(200)).until(() -> !answers());
    }

    /** Starts the stopped container again at the same port and waits for {@code /v2/}. */
    void restart() {
        if (answers()) {
            return;
        }
        DockerClientFactory.instance().client().startContainerCmd(container.getContainerId()).exec();
        await("upstream " + hostPort() + " answers again").atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(200)).until(this::answers);
    }

    boolean answers() {
        try {
            HttpResponse<Void> r = HTTP.send(HttpRequest.newBuilder(url().resolve("/v2/"))
                    .timeout(Duration.ofSeconds(3)).GET().build(), HttpResponse.BodyHandlers.discarding());
            return r.statusCode() == 200 || r.statusCode() == 401;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** A manifest as the upstream serves it to a client that accepts every type. */
    Manifest manifest(String repository, String reference) {
        HttpResponse<byte[]> r = send(HttpRequest.newBuilder(manifestUri(repository, reference))
                .header("Accept", ACCEPT_ALL).GET(), HttpResponse.BodyHandlers.ofByteArray());
        if (r.statusCode() != 200) {
            throw new AssertionError("GET " + manifestUri(repository, reference) + " -> " + r.statusCode()
                    + ": " + new String(r.body()));
        }
        String digest = r.headers().firstValue("Docker-Content-Digest").orElseThrow();
        String type = r.headers().firstValue("Content-Type").orElseThrow();
        return new Manifest(digest, type, r.body());
    }

    /** PUTs a manifest (e.g. an OCI index) and returns the digest the registry gives it. */
    String putManifest(String repository, String reference, String mediaType, byte[] body) {
        HttpResponse<String> r = send(HttpRequest.newBuilder(manifestUri(repository, reference))
                .header("Content-Type", mediaType).PUT(HttpRequest.BodyPublishers.ofByteArray(body)),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 201) {
            throw new AssertionError("PUT " + manifestUri(repository, reference) + " -> " + r.statusCode() + ": " + r.body());
        }
        return r.headers().firstValue("Docker-Content-Digest").orElseThrow();
    }

    private URI manifestUri(String repository, String reference) {
        return url().resolve("/v2/" + repository + "/manifests/" + reference);
    }

    private static <T> HttpResponse<T> send(HttpRequest.Builder request, HttpResponse.BodyHandler<T> handler) {
        try {
            return HTTP.send(request.timeout(Duration.ofSeconds(30)).build(), handler);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        container.close();
    }

    /** A manifest's bytes, media type and the digest the registry reports for it. */
    record Manifest(String digest, String mediaType, byte[] body) {
        com.fasterxml.jackson.databind.JsonNode json() {
            return Json.parse(body);
        }
    }
}
