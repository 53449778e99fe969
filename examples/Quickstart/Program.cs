using EventPoll;

using var epoll = new Epoll();
using var wakeup = new EventFd();
var (reader, writer) = Pipe.Create();
using (reader)
using (writer)
{
    epoll.Add(wakeup, EpollEvents.In, data: 1);
    epoll.Add(reader, EpollEvents.In | EpollEvents.EdgeTriggered, data: 2);

    wakeup.Signal(3);
    writer.Write("hello"u8);

    var events = new EpollEvent[8];
    int n = epoll.Wait(events, timeoutMs: 1000);
    foreach (EpollEvent e in events.AsSpan(0, n))
        Console.WriteLine($"data {e.Data}: {e.Events}");   // data 1: In, then data 2: In
    Console.WriteLine($"eventfd held {wakeup.Consume()}"); // eventfd held 3
    Console.Write(epoll.GetFdInfo());                      // the kernel's fdinfo lines
}
