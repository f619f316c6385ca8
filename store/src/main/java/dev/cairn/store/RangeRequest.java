package dev.cairn.store;

/**
 * A read of a key or a range at a revision, with etcd's options. {@code revision ≤ 0} reads the
 * current revision; {@code limit ≤ 0} means no limit.
 */
public record RangeRequest(
    byte[] key,
    byte[] rangeEnd,
    long limit,
    long revision,
    SortOrder sortOrder,
    SortTarget sortTarget,
    boolean keysOnly,
    boolean countOnly,
    long minModRevision,
    long maxModRevision,
    long minCreateRevision,
    long maxCreateRevision)
    implements RequestOp {

  public enum SortOrder {
    NONE,
    ASCEND,
    DESCEND
  }

  public enum SortTarget {
    KEY,
    VERSION,
    CREATE,
    MOD,
    VALUE
  }

  public RangeRequest {
    key = Keys.orEmpty(key);
    rangeEnd = Keys.orEmpty(rangeEnd);
    sortOrder = sortOrder == null ? SortOrder.NONE : sortOrder;
    sortTarget = sortTarget == null ? SortTarget.KEY : sortTarget;
  }

  /** The single key {@code key} at the current revision. */
  public static RangeRequest of(byte[] key) {
    return range(key, null);
  }

  /** The keys in {@code [key, rangeEnd)} at the current revision. */
  public static RangeRequest range(byte[] key, byte[] rangeEnd) {
    return new RangeRequest(
        key, rangeEnd, 0, 0, SortOrder.NONE, SortTarget.KEY, false, false, 0, 0, 0, 0);
  }

  /**
   * Every key starting with {@code prefix}; the empty prefix is every key, as etcd's clients send
   * it.
   */
  public static RangeRequest prefix(byte[] prefix) {
    return prefix.length == 0
        ? range(Keys.ALL_FROM, Keys.ALL_FROM)
        : range(prefix, Keys.prefixEnd(prefix));
  }

  public RangeRequest atRevision(long rev) {
    return new RangeRequest(
        key,
        rangeEnd,
        limit,
        rev,
        sortOrder,
        sortTarget,
        keysOnly,
        countOnly,
        minModRevision,
        maxModRevision,
        minCreateRevision,
        maxCreateRevision);
  }

  public RangeRequest withLimit(long n) {
    return new RangeRequest(
        key,
        rangeEnd,
        n,
        revision,
        sortOrder,
        sortTarget,
        keysOnly,
        countOnly,
        minModRevision,
        maxModRevision,
        minCreateRevision,
        maxCreateRevision);
  }

  public RangeRequest sorted(SortOrder order, SortTarget target) {
    return new RangeRequest(
        key,
        rangeEnd,
        limit,
        revision,
        order,
        target,
        keysOnly,
        countOnly,
        minModRevision,
        maxModRevision,
        minCreateRevision,
        maxCreateRevision);
  }

  public RangeRequest withKeysOnly() {
    return new RangeRequest(
        key,
        rangeEnd,
        limit,
        revision,
        sortOrder,
        sortTarget,
        true,
        countOnly,
        minModRevision,
        maxModRevision,
        minCreateRevision,
        maxCreateRevision);
  }

  public RangeRequest withCountOnly() {
    return new RangeRequest(
        key,
        rangeEnd,
        limit,
        revision,
        sortOrder,
        sortTarget,
        keysOnly,
        true,
        minModRevision,
        maxModRevision,
        minCreateRevision,
        maxCreateRevision);
  }

  /** Keep only versions with {@code minMod ≤ mod_revision ≤ maxMod} (0 = no bound). */
  public RangeRequest modRevisions(long minMod, long maxMod) {
    return new RangeRequest(
        key,
        rangeEnd,
        limit,
        revision,
        sortOrder,
        sortTarget,
        keysOnly,
        countOnly,
        minMod,
        maxMod,
        minCreateRevision,
        maxCreateRevision);
  }

  /** Keep only versions with {@code minCreate ≤ create_revision ≤ maxCreate} (0 = no bound). */
  public RangeRequest createRevisions(long minCreate, long maxCreate) {
    return new RangeRequest(
        key,
        rangeEnd,
        limit,
        revision,
        sortOrder,
        sortTarget,
        keysOnly,
        countOnly,
        minModRevision,
        maxModRevision,
        minCreate,
        maxCreate);
  }

  boolean hasFilters() {
    return minModRevision != 0
        || maxModRevision != 0
        || minCreateRevision != 0
        || maxCreateRevision != 0;
  }

  boolean accepts(KeyValue kv) {
    return (maxModRevision == 0 || kv.modRevision() <= maxModRevision)
        && (minModRevision == 0 || kv.modRevision() >= minModRevision)
        && (maxCreateRevision == 0 || kv.createRevision() <= maxCreateRevision)
        && (minCreateRevision == 0 || kv.createRevision() >= minCreateRevision);
  }

  int sizeBytes() {
    return key.length + rangeEnd.length + 64;
  }
}
