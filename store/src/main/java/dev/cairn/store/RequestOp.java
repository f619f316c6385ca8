package dev.cairn.store;

/** One operation of a transaction branch, as etcd's {@code RequestOp}. */
public sealed interface RequestOp
    permits RangeRequest, Command.Put, Command.DeleteRange, Command.Txn {}
