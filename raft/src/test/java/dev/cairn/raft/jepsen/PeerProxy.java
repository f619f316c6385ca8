package dev.cairn.raft.jepsen;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;

/**
 * A TCP proxy in front of one member's Raft port: every member reaches this one through it (the
 * member advertises the proxy's address). It can drop traffic in two ways, which together cut a
 * member off:
 *
 * <ul>
 *   <li>{@link #isolateTarget}: nothing reaches the member behind this proxy;
 *   <li>{@link #dropFrom}: nothing from the given processes reaches it (their connections are told
 *       apart by looking the client side of each accepted socket up in {@code /proc/net/tcp*} and
 *       in those processes' {@code /proc/<pid>/fd}).
 * </ul>
 *
 * A dropped connection stays open and its bytes are discarded (packets lost, not refused), so peers
 * see timeouts rather than resets; {@link #heal} closes those connections, and peers reconnect at
 * once.
 */
final class PeerProxy implements AutoCloseable {
  private final ServerSocket server;
  private final int target;
  private final Supplier<List<Long>> candidatePids;
  private final List<Link> links = new CopyOnWriteArrayList<>();
  private volatile boolean isolated;
  private volatile Set<Long> droppedPids = Set.of();
  private volatile boolean closed;
  private final Thread acceptor;

  /** One proxied connection and where it came from (-1: not found). */
  private final class Link {
    final Socket in;
    final Socket out;
    final long originPid;
    volatile boolean dropping;

    Link(Socket in, Socket out, long originPid) {
      this.in = in;
      this.out = out;
      this.originPid = originPid;
    }

    void close() {
      closeQuietly(in);
      closeQuietly(out);
      links.remove(this);
    }
  }

  /**
   * @param port the proxy's port
   * @param target the member's real Raft port
   * @param candidatePids the pids of the member processes (connections' origins are looked up among
   *     them)
   */
  PeerProxy(int port, int target, Supplier<List<Long>> candidatePids) throws IOException {
    this.server = new ServerSocket();
    server.setReuseAddress(true);
    server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
    this.target = target;
    this.candidatePids = candidatePids;
    this.acceptor = new Thread(this::acceptLoop, "proxy-" + port);
    acceptor.setDaemon(true);
    acceptor.start();
  }

  int port() {
    return server.getLocalPort();
  }

  /** Drops all traffic to the member behind this proxy (true) or stops doing so (false). */
  void isolateTarget(boolean on) {
    isolated = on;
    if (on) {
      links.forEach(l -> l.dropping = true);
    }
  }

  /** Drops all traffic from these processes. */
  void dropFrom(Set<Long> pids) {
    droppedPids = Set.copyOf(pids);
    links.stream().filter(l -> pids.contains(l.originPid)).forEach(l -> l.dropping = true);
  }

  /** Lets everything through again; connections that were dropping are closed. */
  void heal() {
    isolated = false;
    droppedPids = Set.of();
    for (Link l : links) {
      if (l.dropping) {
        l.close();
      }
    }
  }

  /** How many open connections came from an unknown process (the lookup failed). */
  long unknownOrigins() {
    return links.stream().filter(l -> l.originPid < 0).count();
  }

  private void acceptLoop() {
    while (!closed) {
      Socket in;
      try {
        in = server.accept();
      } catch (IOException e) {
        return; // closed
      }
      try {
        in.setTcpNoDelay(true);
        Socket out = new Socket();
        out.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), target), 2000);
        out.setTcpNoDelay(true);
        long origin = originPid(in.getPort(), server.getLocalPort());
        Link link = new Link(in, out, origin);
        link.dropping = isolated || droppedPids.contains(origin);
        links.add(link);
        pump(link, in, out);
        pump(link, out, in);
      } catch (IOException e) {
        closeQuietly(in); // the member is down: the peer sees a refused/closed connection
      }
    }
  }

  private void pump(Link link, Socket from, Socket to) {
    Thread t =
        new Thread(
            () -> {
              byte[] buf = new byte[64 << 10];
              try (InputStream is = from.getInputStream();
                  OutputStream os = to.getOutputStream()) {
                int n;
                while ((n = is.read(buf)) >= 0) {
                  if (!link.dropping) {
                    os.write(buf, 0, n);
                    os.flush();
                  }
                }
              } catch (IOException e) {
                // closed on either side
              } finally {
                link.close();
              }
            },
            "proxy-pump-" + from.getPort());
    t.setDaemon(true);
    t.start();
  }

  /**
   * The pid of the process whose socket is 127.0.0.1:{@code clientPort} connected to {@code
   * serverPort}, or -1.
   */
  private long originPid(int clientPort, int serverPort) {
    String inode = socketInode(clientPort, serverPort);
    if (inode == null) {
      return -1;
    }
    String link = "socket:[" + inode + "]";
    for (long pid : candidatePids.get()) {
      Path fds = Path.of("/proc", Long.toString(pid), "fd");
      try (var s = Files.list(fds)) {
        for (Path fd : (Iterable<Path>) s::iterator) {
          try {
            if (Files.readSymbolicLink(fd).toString().equals(link)) {
              return pid;
            }
          } catch (IOException e) {
            // closed meanwhile
          }
        }
      } catch (IOException e) {
        // that process is gone
      }
    }
    return -1;
  }

  private static String socketInode(int localPort, int remotePort) {
    String local = String.format(":%04X", localPort);
    String remote = String.format(":%04X", remotePort);
    for (String table : new String[] {"/proc/net/tcp", "/proc/net/tcp6"}) {
      try {
        for (String line : Files.readAllLines(Path.of(table))) {
          String[] f = line.trim().split("\\s+");
          if (f.length > 9 && f[1].endsWith(local) && f[2].endsWith(remote)) {
            return f[9];
          }
        }
      } catch (IOException e) {
        // no such table
      }
    }
    return null;
  }

  private static void closeQuietly(Socket s) {
    try {
      s.close();
    } catch (IOException e) {
      // closing anyway
    }
  }

  @Override
  public void close() {
    closed = true;
    try {
      server.close();
    } catch (IOException e) {
      // closing anyway
    }
    links.forEach(Link::close);
  }
}
