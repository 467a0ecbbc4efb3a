namespace CryptoSphere.Core.Files;

/// <summary>Which way a file goes. Values are stored in the database: never renumber.</summary>
public enum TransferDirection
{
    Outgoing = 0,
    Incoming = 1,
}
