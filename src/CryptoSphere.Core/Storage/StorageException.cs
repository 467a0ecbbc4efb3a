namespace CryptoSphere.Core.Storage;

/// <summary>The database or data directory cannot be used; nothing was changed.</summary>
public sealed class StorageException(string message, Exception? inner = null) : Exception(message, inner);
