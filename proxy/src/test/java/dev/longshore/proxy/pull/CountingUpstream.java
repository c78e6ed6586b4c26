package dev.longshore.proxy.pull;

import mockwebserver3.MockWebServer;

import javax.net.ServerSocketFactory;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A scripted upstream that also counts the TCP connections made to it: "no request" is not enough to prove that
 * nothing was opened, since a connection can be made and closed without a request.
 */
final class CountingUpstream implements AutoCloseable {
    final MockWebServer server = new MockWebServer();
    private final AtomicInteger connections = new AtomicInteger();

    CountingUpstream() throws IOException {
        server.setServerSocketFactory(new ServerSocketFactory() {
            @Override
            public ServerSocket createServerSocket() throws IOException {
                return new ServerSocket() {
                    @Override
                    public Socket accept() throws IOException {
                        Socket socket = super.accept();
                        connections.incrementAndGet();
                        return socket;
                    }
                };
            }

            @Override
            public ServerSocket createServerSocket(int port) throws IOException {
                throw new UnsupportedOperationException();
            }

            @Override
            public ServerSocket createServerSocket(int port, int backlog) throws IOException {
                throw new UnsupportedOperationException();
            }

            @Override
            public ServerSocket createServerSocket(int port, int backlog, InetAddress address) throws IOException {
                throw new UnsupportedOperationException();
            }
        });
        server.start(InetAddress.getLoopbackAddress(), 0);
    }

    String url() {
        return "http://127.0.0.1:" + server.getPort();
    }

    int connections() {
        return connections.get();
    }

    int requests() {
        return server.getRequestCount();
    }

    @Override
    public void close() {
        server.close();
    }
}
