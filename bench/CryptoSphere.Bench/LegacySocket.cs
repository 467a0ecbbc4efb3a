using System.Net;
using System.Net.Sockets;

namespace CryptoSphere.Bench;

/// <summary>What a legacy peer does for every message: connect, write it all, close. Blocking, as the original peer did.</summary>
internal static class LegacySocket
{
    /// <summary>Refused: the connect was refused, or the receiver reset the connection while it was written
    /// (it closed it unread). A message closed unread after it was written is reported later, by the watcher.</summary>
    public enum Outcome { Sent, Refused, ConnectFailed, WriteFailed }

    /// <param name="watcher">When given, it gets the socket after the write to learn whether the receiver read the
    /// message; <paramref name="unread"/> runs if it did not.</param>
    public static Outcome Send(IPEndPoint node, byte[] message, out SocketException? error, CloseWatcher? watcher = null, Action? unread = null)
    {
        error = null;
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        var handedOver = false;
        try
        {
            try
            {
                socket.Connect(node);
            }
            catch (SocketException e)
            {
                error = e;
                return e.SocketErrorCode == SocketError.ConnectionRefused ? Outcome.Refused : Outcome.ConnectFailed;
            }
            try
            {
                for (var offset = 0; offset < message.Length;)
                    offset += socket.Send(message, offset, message.Length - offset, SocketFlags.None);
                socket.Shutdown(SocketShutdown.Send);
            }
            catch (SocketException e)
            {
                error = e;
                return e.SocketErrorCode is SocketError.ConnectionReset or SocketError.ConnectionAborted or SocketError.Shutdown
                    ? Outcome.Refused
                    : Outcome.WriteFailed;
            }
            if (watcher is not null)
            {
                watcher.Watch(socket, unread ?? (() => { }));
                handedOver = true;
            }
            return Outcome.Sent;
        }
        finally
        {
            if (!handedOver)
                socket.Dispose();
        }
    }
}

/// <summary>Clients that connect and then say nothing (or, partial, the first bytes of a header and then nothing).</summary>
internal static class SilentClients
{
    public static List<Socket> Open(IPEndPoint node, int count, bool partial)
    {
        var sockets = new List<Socket>(count);
        try
        {
            for (var i = 0; i < count; i++)
            {
                var s = new Socket(node.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
                sockets.Add(s);
                s.Connect(node);
                if (partial)
                    s.Send("<127.0.0.1:2"u8);
            }
            if (count > 0)
                Thread.Sleep(250); // let the node accept them and start waiting on them
            return sockets;
        }
        catch
        {
            foreach (var s in sockets)
                s.Dispose();
            throw;
        }
    }

    /// <summary>Neither readable at end-of-stream nor reset: the node still holds the connection open.</summary>
    public static bool IsStillOpen(Socket s)
    {
        try
        {
            return !(s.Poll(0, SelectMode.SelectRead) && s.Available == 0);
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
