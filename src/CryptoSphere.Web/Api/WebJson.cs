using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace CryptoSphere.Web.Api;

/// <summary>
/// Every type the API reads or writes, with its JSON code generated at build time: the program is published as
/// native code (Native AOT), where JSON by reflection is not available. WebInterface uses this resolver alone, so
/// a type missing here fails in the tests as it would in the published program, not only there.
/// </summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(object))]
[JsonSerializable(typeof(SendRequest))]
[JsonSerializable(typeof(TextRequest))]
[JsonSerializable(typeof(NameRequest))]
[JsonSerializable(typeof(PeerRequest))]
[JsonSerializable(typeof(ServeRequest))]
[JsonSerializable(typeof(InviteRequest))]
[JsonSerializable(typeof(ErrorReply))]
[JsonSerializable(typeof(OkReply))]
[JsonSerializable(typeof(RejectedReply))]
[JsonSerializable(typeof(RemovedReply))]
[JsonSerializable(typeof(LeftReply))]
[JsonSerializable(typeof(HistoryPage))]
[JsonSerializable(typeof(MeView))]
[JsonSerializable(typeof(ContactsView))]
[JsonSerializable(typeof(ContactView))]
[JsonSerializable(typeof(GroupView))]
[JsonSerializable(typeof(MailboxesView))]
[JsonSerializable(typeof(TransferView))]
[JsonSerializable(typeof(SendView))]
[JsonSerializable(typeof(IReadOnlyList<PeerView>))]
[JsonSerializable(typeof(IReadOnlyList<SendView>))]
[JsonSerializable(typeof(IReadOnlyList<GroupView>))]
[JsonSerializable(typeof(IReadOnlyList<ConversationView>))]
[JsonSerializable(typeof(List<SendView>))]
[JsonSerializable(typeof(List<MessageView>))]
[JsonSerializable(typeof(List<TransferView>))]
internal sealed partial class WebJson : JsonSerializerContext
{
    /// <summary>
    /// Makes <paramref name="options"/> (ASP.NET's, for the API) use this context and nothing else: ASP.NET adds
    /// JSON by reflection when the runtime allows it, which would hide a missing type until the native build.
    /// </summary>
    public static void UseAlone(JsonSerializerOptions options)
    {
        var chain = options.TypeInfoResolverChain;
        for (var i = chain.Count - 1; i >= 0; i--)
        {
            if (chain[i] is DefaultJsonTypeInfoResolver)
                chain.RemoveAt(i);
        }
        chain.Insert(0, Default);
        // A field the request type does not have is refused: a misspelt one ("maxBytes" for "maxMegabytes") was dropped
        // silently and its default kept (found from outside); ApiErrorBodies names the field in the 400. Set here, on the
        // options ASP.NET reads with: the context's own [JsonSourceGenerationOptions] do not carry over to them.
        options.UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow;
    }
}
