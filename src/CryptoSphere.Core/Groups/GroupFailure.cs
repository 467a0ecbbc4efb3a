namespace CryptoSphere.Core.Groups;

/// <summary>Why a group operation was refused: a UI picks its wording or HTTP status from it.</summary>
public enum GroupFailure
{
    /// <summary>Not refused.</summary>
    None,

    /// <summary>No such group on this node.</summary>
    NotFound,

    /// <summary>Not for this node to do: only the admin changes members; only a member sends.</summary>
    NotAllowed,

    /// <summary>Bad input: no name, a name already used, a message too long, the admin adding itself.</summary>
    Invalid,

    /// <summary>A member's outbox is full; nothing was stored.</summary>
    Full,
}
