package dev.cairn.ops;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.concurrent.ThreadLocalRandom;

/** Finds a base port whose cluster ports (base + 10i + 0..2) are all free on 127.0.0.1. */
final class Ports {
  private Ports() {}

  static int freeBase(int nodes) {
    for (int attempt = 0; attempt < 200; attempt++) {
      int base = 20000 + 10 * ThreadLocalRandom.current().nextInt(2000);
      if (allFree(base, nodes)) {
        return base;
      }
    }
    throw new IllegalStateException("no free port range found on 127.0.0.1");
  }

  private static boolean allFree(int base, int nodes) {
    for (int i = 0; i < nodes; i++) {
      for (int j = 0; j < 3; j++) {
        try (ServerSocket s =
            new ServerSocket(base + 10 * i + j, 1, InetAddress.getLoopbackAddress())) {
          s.setReuseAddress(true);
        } catch (IOException e) {
          return false;
        }
      }
    }
    return true;
  }
}
