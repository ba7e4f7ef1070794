"""A two-node Ray cluster on loopback for the executor tests: its own temp dirs, 2 logical CPUs per
node (the machine's real cores are shared), each node a `sut:<name>` resource and its own step
scratch directory (`<tmp>/scratch/<name>`: a test sees where a step is running) and CM home
(`<tmp>/cm/<name>`); torn down by stop()."""
import os
import shutil
import tempfile


def start(sut_names=("head", "w1"), cpus=2):
    """(cluster, {sut name: node}); the first name is the head node."""
    import ray  # noqa: F401
    from ray.cluster_utils import Cluster
    tmp = tempfile.mkdtemp(prefix="cmperf-ray-")
    # Ray writes the cluster's address under $RAY_TMPDIR/ray: keep it out of the shared /tmp/ray
    os.environ["RAY_TMPDIR"] = tmp
    os.environ["RAY_USAGE_STATS_ENABLED"] = "0"
    os.makedirs(os.path.join(tmp, "ray"))

    saved_cm_repos = os.environ.get("CM_REPOS")

    def scratch(name):
        # each node's step scratch space and CM home, as on separate machines (its processes
        # inherit the environment it started with)
        os.environ["CMPERF_STEP_SCRATCH"] = os.path.join(tmp, "scratch", name)
        os.makedirs(os.environ["CMPERF_STEP_SCRATCH"])
        os.environ["CM_REPOS"] = os.path.join(tmp, "cm", name)

    scratch(sut_names[0])
    common = dict(node_ip_address="127.0.0.1", num_cpus=cpus, object_store_memory=80 * 1024 * 1024)
    cluster = Cluster(initialize_head=True, head_node_args=dict(
        include_dashboard=False, temp_dir=os.path.join(tmp, sut_names[0]),
        resources={f"sut:{sut_names[0]}": 1}, **common))
    cluster.tmp = tmp
    nodes = {sut_names[0]: cluster.head_node}
    for name in sut_names[1:]:
        scratch(name)
        nodes[name] = cluster.add_node(resources={f"sut:{name}": 1}, temp_dir=os.path.join(tmp, name), **common)
    cluster.wait_for_nodes()
    os.environ.pop("CMPERF_STEP_SCRATCH")
    if saved_cm_repos is None:
        os.environ.pop("CM_REPOS")
    else:
        os.environ["CM_REPOS"] = saved_cm_repos
    return cluster, nodes


def stop(cluster):
    import ray
    if ray.is_initialized():
        ray.shutdown()
    cluster.shutdown()
    shutil.rmtree(cluster.tmp, ignore_errors=True)
    os.environ.pop("RAY_TMPDIR", None)
