"""What processing the dataset would cost on Amazon EMR, from the throughput measured here.

Model (deliberately simple; every assumption is a constant below):
  - The work is the engine's measured wall time x the threads it had here: vCPU-seconds.
    A vCPU of the bench machine is taken as equal to a vCPU of the EMR instance, and the
    work as splitting linearly across task nodes (the input is 204 independent files).
  - Task nodes are m6i.xlarge (4 vCPU, 16 GiB). Each node-hour costs the EC2 price
    (on-demand, or spot) plus the EMR uplift, which EMR charges for spot nodes too.
  - Billing is per second. Not counted in the per-job figures: the primary node, the
    cluster's start-up (about 7-10 minutes of every node it has) and EMR's one-minute
    minimum. FIXED_OVERHEAD_USD prices that minimum for a transient cluster of one
    primary and one task node, and at this data size it dominates every engine's cost.
  - 10x the dataset costs 10x the work (linear; the scaling runs show how true that is).
"""

PRICES_AS_OF = "2025 list prices, us-east-1, Linux (check before quoting)"
INSTANCE = "m6i.xlarge"
INSTANCE_VCPU = 4
# aws.amazon.com/ec2/pricing/on-demand/ (m6i.xlarge, us-east-1, Linux): $0.192 per hour.
EC2_ON_DEMAND_USD_H = 0.192
# aws.amazon.com/emr/pricing/ (EMR on EC2, m6i.xlarge): $0.048 per hour on top of EC2.
EMR_UPLIFT_USD_H = 0.048
# aws.amazon.com/ec2/spot/pricing/ and the Spot price history: m6i.xlarge in us-east-1
# traded at about $0.07-0.09 per hour through 2025 (roughly 55-65% below on-demand).
# An assumption: spot prices move by zone and hour.
EC2_SPOT_USD_H = 0.08
# A transient cluster's floor: primary + 1 task node, on-demand, for ~10 minutes of
# start-up, run and shut-down (an assumption from typical EMR 7.x start-up times).
CLUSTER_MINUTES = 10
FIXED_OVERHEAD_USD = 2 * (EC2_ON_DEMAND_USD_H + EMR_UPLIFT_USD_H) * CLUSTER_MINUTES / 60


def estimate(wall_s, threads, multiple=1.0):
    """USD for `multiple` x the dataset: (on-demand task nodes, spot task nodes)."""
    node_hours = wall_s * threads * multiple / INSTANCE_VCPU / 3600
    return (node_hours * (EC2_ON_DEMAND_USD_H + EMR_UPLIFT_USD_H),
            node_hours * (EC2_SPOT_USD_H + EMR_UPLIFT_USD_H))


def table(engines, threads):
    """engines: {name: median wall seconds}. Returns rows for the report."""
    rows = []
    for name, wall in engines.items():
        if wall is None:
            continue
        od1, sp1 = estimate(wall, threads, 1)
        od10, sp10 = estimate(wall, threads, 10)
        rows.append({"engine": name, "vcpu_s": wall * threads, "on_demand_1x": od1,
                     "spot_1x": sp1, "on_demand_10x": od10, "spot_10x": sp10})
    return rows


def assumptions():
    return {"instance": INSTANCE, "vcpu": INSTANCE_VCPU, "prices_as_of": PRICES_AS_OF,
            "ec2_on_demand_usd_h": EC2_ON_DEMAND_USD_H, "ec2_spot_usd_h": EC2_SPOT_USD_H,
            "emr_uplift_usd_h": EMR_UPLIFT_USD_H, "cluster_minutes": CLUSTER_MINUTES,
            "fixed_overhead_usd": FIXED_OVERHEAD_USD}
