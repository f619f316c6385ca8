package dev.cairn.store;

/**
 * A CRC-32C over every key-value version that a read at or below {@code revision} could still see
 * after compaction at {@code compactRevision}; equal on replicas with equal history.
 */
public record KvHash(long hash, long revision, long compactRevision) {}
