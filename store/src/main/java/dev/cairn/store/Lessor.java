package dev.cairn.store;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The committed lease table, mirrored on the heap from the {@code leases} column family (leases are
 * few next to keys; their attached keys stay on disk in {@code lease_keys}). It holds state only:
 * expiry is decided outside the engine and arrives as {@link Command.LeaseRevoke}.
 */
final class Lessor {
  private final Map<Long, Lease> leases = new ConcurrentHashMap<>();

  void load(Lease lease) {
    leases.put(lease.id(), lease);
  }

  Optional<Lease> get(long id) {
    return Optional.ofNullable(leases.get(id));
  }

  boolean exists(long id) {
    return leases.containsKey(id);
  }

  List<Lease> all() {
    List<Lease> out = new ArrayList<>(leases.values());
    out.sort(Comparator.comparingLong(Lease::id));
    return out;
  }

  /** Publishes a committed batch's lease changes; a null value means revoked. */
  void apply(Map<Long, Lease> changes) {
    changes.forEach(
        (id, lease) -> {
          if (lease == null) {
            leases.remove(id);
          } else {
            leases.put(id, lease);
          }
        });
  }
}
