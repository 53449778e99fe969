using CustomSource;
using EventPoll;

using var epoll = new Epoll();
var flag = new ReadyFlag();
var events = new EpollEvent[4];
using (DescriptorHandle handle = DescriptorHandle.Open(flag))
{
    epoll.Add(handle, EpollEvents.In | EpollEvents.EdgeTriggered, data: 7);
    Console.WriteLine($"before Set: {epoll.Wait(events, timeoutMs: 0)} events");
    flag.Set();
    int n = epoll.Wait(events, timeoutMs: 1000);
    Console.WriteLine($"after Set: {n} event, data {events[0].Data}: {events[0].Events}");
    Console.WriteLine($"edge-triggered, still set: {epoll.Wait(events, timeoutMs: 0)} events");
}
Console.WriteLine($"handle disposed: released {flag.IsReleased}, fdinfo \"{epoll.GetFdInfo()}\"");
