"""What every rule module needs: the round's rules, options and the report being filled."""
import os
from dataclasses import dataclass, field

from .findings import Report


@dataclass
class CheckContext:
    root: str
    rules: object                 # rounds.RoundRules
    skip_compliance: bool = False
    skip_dataset_size_check: bool = False
    report: Report = field(default_factory=Report)

    def rel(self, path):
        """Paths in findings are relative to the submission root (shorter, still unambiguous)."""
        try:
            return os.path.relpath(path, self.root)
        except ValueError:
            return path


@dataclass
class SubmitterTree:
    division: str
    submitter: str
    path: str
    systems: dict = field(default_factory=dict)        # system name -> parsed systems json (or None)
    model_mapping: dict = field(default_factory=dict)


@dataclass
class ScenarioEntry:
    """One results/<system>/<model>/<Scenario> directory and where its sibling files live."""
    tree: SubmitterTree
    system: str
    model_dir: str            # directory name (may be an alias or a mapped custom model)
    model: object             # rounds.ModelRules or None
    scenario_dir: str         # directory name as found
    scenario: str             # canonical scenario name
    results_dir: str
    measurements_dir: str
    compliance_dir: str
    system_type: str = ""
