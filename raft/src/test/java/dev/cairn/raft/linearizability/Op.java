package dev.cairn.raft.linearizability;

/**
 * One client operation on one key, as the history records it: what was asked, what came back, and
 * when (nanoseconds on one clock). An operation whose outcome is unknown (a timeout) has {@code
 * returned = Long.MAX_VALUE} and no output: it may have taken effect at any point after its call,
 * or never. Operations that definitely failed are left out of the history altogether.
 *
 * @param kind GET, PUT, DELETE or CAS (compare the value with {@code expected}, then put {@code
 *     value})
 * @param value the value written (PUT, CAS)
 * @param expected the value CAS compares with (null: the key must be absent)
 * @param output GET: the value read (null: absent); CAS: "true" or "false"; DELETE: the number of
 *     keys the response says it deleted, "0" or "1" (null: not known, as for a lease revoke);
 *     otherwise null
 */
public record Op(
    int client,
    Kind kind,
    String key,
    String value,
    String expected,
    String output,
    long called,
    long returned) {

  public enum Kind {
    GET,
    PUT,
    DELETE,
    CAS
  }

  public boolean unknown() {
    return returned == Long.MAX_VALUE;
  }

  public static Op get(int client, String key, String read, long called, long returned) {
    return new Op(client, Kind.GET, key, null, null, read, called, returned);
  }

  public static Op put(int client, String key, String value, long called, long returned) {
    return new Op(client, Kind.PUT, key, value, null, null, called, returned);
  }

  public static Op delete(int client, String key, long called, long returned) {
    return new Op(client, Kind.DELETE, key, null, null, null, called, returned);
  }

  /** A delete whose response said how many keys it deleted (DeleteRange's {@code deleted}). */
  public static Op delete(int client, String key, long deleted, long called, long returned) {
    return new Op(client, Kind.DELETE, key, null, null, Long.toString(deleted), called, returned);
  }

  public static Op cas(
      int client,
      String key,
      String expected,
      String value,
      boolean ok,
      long called,
      long returned) {
    return new Op(client, Kind.CAS, key, value, expected, Boolean.toString(ok), called, returned);
  }

  /** The same operation with an unknown outcome (it timed out). */
  public Op timedOut() {
    return new Op(client, kind, key, value, expected, null, called, Long.MAX_VALUE);
  }

  @Override
  public String toString() {
    String what =
        switch (kind) {
          case GET -> "get " + key + " → " + output;
          case PUT -> "put " + key + "=" + value;
          case DELETE -> "del " + key + (output == null ? "" : " : deleted " + output);
          case CAS -> "cas " + key + " " + expected + "→" + value + " : " + output;
        };
    return "c" + client + " " + what + " [" + called + ", " + (unknown() ? "?" : returned) + "]";
  }
}
