"""The same planning instance solved by Google OR-Tools' routing solver, for comparison with
`jempol plan` in docs/benchmarks.md. Reads an instance (docs/planner.md), builds the same model
(travel minutes from the same haversine × road factor ÷ speed, rounded up; the same service
times; every team-day a vehicle leaving and returning to the office within office hours;
family windows; dropping a person costs 1,000,000, ten times that for priority people; each
team-day used costs 2,000 plus 30 per day of the plan, as in Jempol's search), solves with
guided local search under a time limit, and prints one JSON line:
{"planned", "unplanned", "team_days_used", "travel_minutes", "seconds"}.

Usage: python ortools_plan.py INSTANCE.json TIME_LIMIT_SECONDS
Working days: the instance's explicit `days` are used; bench/planner/run.sh passes the days
Jempol resolved (`jempol plan` prints them), so both plan the same days.
"""
import json
import math
import sys
import time

from ortools.constraint_solver import pywrapcp, routing_enums_pb2

UNPLANNED = 1_000_000
TEAM_DAY = 2_000
LATER_DAY = 30


def minutes(t):
    h, m = t.split(":")[:2]
    return int(h) * 60 + int(m)


def main():
    inst = json.load(open(sys.argv[1]))
    limit = int(sys.argv[2])
    days = inst["days"]
    hours = inst.get("office_hours") or {
        "mon": {"from": "07:30", "to": "16:00"}, "tue": {"from": "07:30", "to": "16:00"},
        "wed": {"from": "07:30", "to": "16:00"}, "thu": {"from": "07:30", "to": "16:00"},
        "fri": {"from": "07:30", "to": "16:30"},
    }
    import datetime
    keys = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
    first = datetime.date.fromisoformat(days[0])
    day_spans = []
    for d in days:
        dd = datetime.date.fromisoformat(d)
        h = hours[keys[dd.weekday()]]
        off = (dd - first).days * 1440
        day_spans.append((off + minutes(h["from"]), off + minutes(h["to"]), off))
    travel = inst.get("travel") or {}
    road, speed = travel.get("road_factor", 1.3), travel.get("speed_kmh", 30.0)
    service = inst.get("service") or {}
    s_def, s_odgj, s_bed = service.get("default_minutes", 20), service.get("odgj_minutes", 40), service.get("bedridden_minutes", 30)
    visits = inst["visits"]
    pts = [(inst["depot"]["lat"], inst["depot"]["lng"])] + [(v["lat"], v["lng"]) for v in visits]
    n = len(pts)

    def hav(a, b):
        la1, la2 = math.radians(a[0]), math.radians(b[0])
        dla, dlo = la2 - la1, math.radians(b[1] - a[1])
        h = math.sin(dla / 2) ** 2 + math.cos(la1) * math.cos(la2) * math.sin(dlo / 2) ** 2
        return 2 * 6371.0 * math.asin(min(1.0, math.sqrt(h)))

    def tmin(a, b):
        return int(math.ceil(hav(pts[a], pts[b]) * road / speed * 60.0)) if a != b else 0

    svc = [0] + [v.get("service_minutes") or (s_odgj if v.get("odgj") else s_bed if v.get("bedridden") else s_def) for v in visits]
    teams = inst["teams"]
    vehicles = [(t, k) for k in range(len(days)) for t in range(len(teams))]
    nv = len(vehicles)
    manager = pywrapcp.RoutingIndexManager(n, nv, 0)
    routing = pywrapcp.RoutingModel(manager)
    cache = {}

    def travel_cb(i, j):
        a, b = manager.IndexToNode(i), manager.IndexToNode(j)
        key = (a, b)
        if key not in cache:
            cache[key] = tmin(a, b)
        return cache[key]

    def time_cb(i, j):
        a = manager.IndexToNode(i)
        return travel_cb(i, j) + svc[a]

    t_idx = routing.RegisterTransitCallback(travel_cb)
    routing.SetArcCostEvaluatorOfAllVehicles(t_idx)
    time_idx = routing.RegisterTransitCallback(time_cb)
    horizon = day_spans[-1][1] + 1
    routing.AddDimension(time_idx, 24 * 60, horizon, False, "Time")
    dim = routing.GetDimensionOrDie("Time")
    for vi, (t, k) in enumerate(vehicles):
        a, b, _ = day_spans[k]
        dim.CumulVar(routing.Start(vi)).SetRange(a, a)
        dim.CumulVar(routing.End(vi)).SetRange(a, b)
        routing.SetFixedCostOfVehicle(TEAM_DAY + LATER_DAY * k, vi)
    for node in range(1, n):
        v = visits[node - 1]
        idx = manager.NodeToIndex(node)
        allowed = []
        for a, b, off in day_spans:
            if v.get("windows"):
                for w in v["windows"]:
                    if w.get("date") and datetime.date.fromisoformat(w["date"]) != first + datetime.timedelta(days=off // 1440):
                        continue
                    lo, hi = max(a, off + minutes(w["from"])), min(b, off + minutes(w["to"]))
                    if lo <= hi:
                        allowed.append((lo, hi))
            else:
                allowed.append((a, b))
        if allowed:
            lo, hi = allowed[0][0], allowed[-1][1]
            dim.CumulVar(idx).SetRange(lo, hi)
            for (a1, b1), (a2, b2) in zip(allowed, allowed[1:]):
                if a2 > b1 + 1:
                    dim.CumulVar(idx).RemoveInterval(b1 + 1, a2 - 1)
        priority = v.get("bedridden") or v.get("odgj") or (v.get("age") or 0) >= 80
        routing.AddDisjunction([idx], UNPLANNED * (10 if priority else 1))
    params = pywrapcp.DefaultRoutingSearchParameters()
    params.first_solution_strategy = routing_enums_pb2.FirstSolutionStrategy.PARALLEL_CHEAPEST_INSERTION
    params.local_search_metaheuristic = routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH
    params.time_limit.seconds = limit
    started = time.time()
    sol = routing.SolveWithParameters(params)
    took = time.time() - started
    if sol is None:
        print(json.dumps({"planned": 0, "unplanned": len(visits), "team_days_used": 0, "travel_minutes": 0, "seconds": took}))
        return
    planned, used, travel_total = 0, 0, 0
    for vi in range(nv):
        i = routing.Start(vi)
        stops = 0
        while not routing.IsEnd(i):
            j = sol.Value(routing.NextVar(i))
            travel_total += travel_cb(i, j)
            if manager.IndexToNode(j) != 0:
                stops += 1
            i = j
        if stops:
            used += 1
            planned += stops
    print(json.dumps({"planned": planned, "unplanned": len(visits) - planned, "team_days_used": used,
                      "travel_minutes": travel_total, "seconds": round(took, 1)}))


if __name__ == "__main__":
    main()
