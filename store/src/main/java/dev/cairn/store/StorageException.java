package dev.cairn.store;

/** RocksDB or the file system failed underneath the store: not the request's fault. */
public final class StorageException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public StorageException(String message, Throwable cause) {
    super(message, cause);
  }
}
