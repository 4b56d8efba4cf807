"""What an arm's daily budget buys: a saturating response curve, learnt with its uncertainty.

The curve is ``applications(b) = ceiling · (1 − exp(−b / scale))``: concave, because an arm's
audience is finite (the tenth peso reaches people less likely to apply than the first), with
``ceiling`` the applications a day would bring at any budget and ``scale`` the budget (COP) at
which about 63 % of it is reached.

Learning, and why this way:
- The posterior over (log ceiling, log scale) is computed on a fixed grid, not by sampling
  (MCMC) nor by a conjugate shortcut: two parameters make a 48 × 48 grid exact enough, cheap
  (a campaign has tens of arms and tens of days) and deterministic, and the curve is not
  linear in its parameters, so no conjugate prior exists.
- Daily applications are Poisson given the budget spent. Each day's log-likelihood is weighted
  by ``forgetting ** age`` (age 0 = the latest day), so that a curve's slow drift shows: with
  0.9, a day two weeks old weighs a quarter of today. Forgetting alone is slow when a curve
  shifts outright (an audience exhausted, a competitor arriving), so a change-point test drops
  the days before a clear break (``since_change``): the likelihood of two curves against one,
  an exact scan on the grid.
- Pooling is empirical Bayes: an arm's prior is a normal on (log ceiling, log scale) centred on
  the average of its platform's and its segment's estimates, each fitted on the *other* arms of
  that platform or segment (leave-one-out, so an arm's own days are not counted twice). A full
  hierarchical model would also learn how far arms stray from their group, but with a handful
  of arms per group that spread is poorly identified; a fixed spread (``POOLING_SD``, a factor
  of about 1.8 either way) keeps thin arms near their groups and lets a week or two of an arm's
  own days outweigh them. Across campaigns, a platform's results elsewhere (the allocator's
  ``platform_priors``) centre its group's estimate before the campaign's own arms have days.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

GRID_POINTS = 48
# How far the grid reaches either way of the typical budget and applications: wide enough that
# no plausible arm sits on its edge.
GRID_SPAN = 40.0
# The spread of an arm around its groups' estimate, on the log scale (e**0.6 ≈ 1.8).
POOLING_SD = (0.6, 0.6)
# The spread of a group around the campaign's typical figures, when the group has no other arm.
GLOBAL_SD = (1.0, 1.0)
FORGETTING = 0.9
# Change detection: a break is kept when two curves (before, after) fit the days better than one
# by this much log-likelihood. Two extra parameters, the best of some tens of candidate days:
# 10 is far beyond what chance gives a steady arm (2·10 = 20 against a χ² of 2 degrees of freedom
# whose 99.9th percentile is 13.8), yet a ceiling halved shows within 3 to 5 days.
CHANGE_LOG_LIKELIHOOD = 10.0
# The fewest days on each side of a break: fewer are noise.
CHANGE_MIN_DAYS = 3
# The least expected applications a curve may give a day with spend (log 0 is -inf).
FLOOR_EXPECTED = 1e-12
LOG_FLOOR = float(np.log(FLOOR_EXPECTED))


@dataclass(frozen=True)
class ResponseCurve:
    """One saturating curve: applications a day as a function of the daily budget (COP)."""

    ceiling: float
    scale_cop: float

    def applications(self, budget_cop: float) -> float:
        return float(self.ceiling * -np.expm1(-budget_cop / self.scale_cop))

    def applications_at(self, budgets_cop: np.ndarray) -> np.ndarray:
        """`applications` at many budgets at once."""
        return np.asarray(self.ceiling * -np.expm1(-np.asarray(budgets_cop) / self.scale_cop))


@dataclass(frozen=True)
class DailyData:
    """An arm's days as arrays: budget spent (COP), applications, and each day's weight."""

    spent_cop: np.ndarray
    applications: np.ndarray
    weights: np.ndarray

    @classmethod
    def from_days(
        cls, days: Sequence[tuple[int, int]], *, forgetting: float = FORGETTING
    ) -> DailyData:
        """The days in order, oldest first, as (spent, applications). A day without spend says
        nothing about the curve (its late applications belong to earlier days) and is left out,
        though it still ages the days before it."""
        ages = np.arange(len(days) - 1, -1, -1, dtype=float)
        spent = np.array([day[0] for day in days], dtype=float)
        apps = np.array([day[1] for day in days], dtype=float)
        kept = spent > 0
        return cls(spent[kept], apps[kept], forgetting ** ages[kept])


@dataclass(frozen=True)
class ResponseGrid:
    """The (log ceiling, log scale) points the posterior is computed on."""

    log_ceiling: np.ndarray
    log_scale: np.ndarray

    @classmethod
    def around(cls, *, typical_budget_cop: float, typical_applications: float) -> ResponseGrid:
        """A grid centred on a campaign's typical arm: its even share of the budget as the
        scale, twice its daily applications as the ceiling."""
        half_width = np.log(GRID_SPAN)
        centre_ceiling = np.log(max(2.0 * typical_applications, 1.0))
        centre_scale = np.log(max(typical_budget_cop, 1.0))
        steps = np.linspace(-half_width, half_width, GRID_POINTS)
        return cls(centre_ceiling + steps, centre_scale + steps)

    @property
    def centre(self) -> np.ndarray:
        return np.array([self.log_ceiling.mean(), self.log_scale.mean()])

    def daily_log_likelihood(self, data: DailyData) -> np.ndarray:
        """Each day's Poisson log-likelihood (unweighted) at every grid point: ceiling × scale ×
        day."""
        # expected = ceiling · saturation(scale, day): the transcendental work is done on the
        # scale × day plane only and broadcast over the ceilings (48 times less of it).
        saturation = -np.expm1(-data.spent_cop[None, :] / np.exp(self.log_scale)[:, None])
        ceiling = np.exp(self.log_ceiling)[:, None, None]
        with np.errstate(divide="ignore"):
            log_saturation = np.log(saturation)[None, :, :]
        expected = np.maximum(ceiling * saturation[None, :, :], FLOOR_EXPECTED)
        log_expected = np.maximum(self.log_ceiling[:, None, None] + log_saturation, LOG_FLOOR)
        return np.asarray(data.applications * log_expected - expected)

    def log_likelihood(self, data: DailyData) -> np.ndarray:
        """The weighted Poisson log-likelihood of the days at every grid point (ceiling × scale)."""
        if data.spent_cop.size == 0:
            return np.zeros((self.log_ceiling.size, self.log_scale.size))
        return np.asarray((self.daily_log_likelihood(data) * data.weights).sum(axis=2))

    def log_likelihood_since_change(self, data: DailyData) -> tuple[np.ndarray, int]:
        """The weighted log-likelihood of the days after the arm's curve last changed
        (`since_change`), and how many days that is; each day's likelihood computed once."""
        if data.spent_cop.size == 0:
            return self.log_likelihood(data), 0
        daily = self.daily_log_likelihood(data)
        first = self._first_day_after_change(daily)
        kept = (daily[:, :, first:] * data.weights[first:]).sum(axis=2)
        return np.asarray(kept), data.spent_cop.size - first

    def since_change(self, data: DailyData) -> DailyData:
        """The days after the arm's curve last changed, or all of them when it did not.

        The break is the day that most improves the fit of two curves (before, after) over one;
        it counts only when the improvement passes ``CHANGE_LOG_LIKELIHOOD``.
        """
        if data.spent_cop.size < 2 * CHANGE_MIN_DAYS:
            return data
        first = self._first_day_after_change(self.daily_log_likelihood(data))
        return DailyData(data.spent_cop[first:], data.applications[first:], data.weights[first:])

    def _first_day_after_change(self, daily: np.ndarray) -> int:
        """The index of the first day after the last clear break in `daily` (0 without one)."""
        days = daily.shape[2]
        if days < 2 * CHANGE_MIN_DAYS:
            return 0
        # The best fit on the grid of each run of days, from running sums over the days.
        running = np.cumsum(daily, axis=2)
        whole = running[:, :, -1]
        whole_best = whole.max()
        best_gain, best_break = 0.0, 0
        for first_after in range(CHANGE_MIN_DAYS, days - CHANGE_MIN_DAYS + 1):
            before = running[:, :, first_after - 1]
            gain = float(before.max() + (whole - before).max() - whole_best)
            if gain > best_gain:
                best_gain, best_break = gain, first_after
        return best_break if best_gain >= CHANGE_LOG_LIKELIHOOD else 0

    def log_prior(self, centre: np.ndarray, sd: tuple[float, float]) -> np.ndarray:
        """A normal prior on (log ceiling, log scale) around `centre`, at every grid point."""
        by_ceiling = ((self.log_ceiling - centre[0]) / sd[0]) ** 2
        by_scale = ((self.log_scale - centre[1]) / sd[1]) ** 2
        return np.asarray(-0.5 * (by_ceiling[:, None] + by_scale[None, :]))

    def posterior(self, log_density: np.ndarray) -> Posterior:
        weights = np.exp(log_density - log_density.max())
        return Posterior(self, weights / weights.sum())


@dataclass(frozen=True)
class Posterior:
    """A distribution over the grid's curves."""

    grid: ResponseGrid
    probabilities: np.ndarray
    # The arm's days with spend since its curve last changed, None when it did not change.
    days_since_change: int | None = None

    def mean(self) -> np.ndarray:
        """The posterior mean of (log ceiling, log scale)."""
        by_ceiling = self.probabilities.sum(axis=1)
        by_scale = self.probabilities.sum(axis=0)
        return np.array([by_ceiling @ self.grid.log_ceiling, by_scale @ self.grid.log_scale])

    def sample(self, rng: np.random.Generator) -> ResponseCurve:
        """One curve drawn from the posterior, jittered within its grid cell so that draws are
        not confined to the grid's points."""
        flat = rng.choice(self.probabilities.size, p=self.probabilities.ravel())
        row, column = np.unravel_index(flat, self.probabilities.shape)
        step_ceiling = self.grid.log_ceiling[1] - self.grid.log_ceiling[0]
        step_scale = self.grid.log_scale[1] - self.grid.log_scale[0]
        jitter = rng.uniform(-0.5, 0.5, size=2)
        log_ceiling = self.grid.log_ceiling[row] + jitter[0] * step_ceiling
        log_scale = self.grid.log_scale[column] + jitter[1] * step_scale
        return ResponseCurve(float(np.exp(log_ceiling)), float(np.exp(log_scale)))


def pooled_posteriors(
    grid: ResponseGrid,
    data: Sequence[DailyData],
    groups: Sequence[tuple[str, str]],
    platform_centres: Mapping[str, np.ndarray] | None = None,
) -> list[Posterior]:
    """Each arm's posterior, its prior pooled toward its two groups (platform, segment).

    `groups[i]` names arm i's platform and segment. A group's estimate for an arm is the posterior
    mean of one curve fitted to the group's other arms; without other arms it is the grid's
    centre (the campaign's typical arm). `platform_centres` (log ceiling, log scale) is what a
    platform's arms buy across the other campaigns: the platform group starts from it instead of
    the campaign's typical arm, so that a campaign's thin arms lean on what the platform is known
    to buy elsewhere until the campaign's own days outweigh it.
    """
    recent = [grid.log_likelihood_since_change(days) for days in data]
    likelihoods = [likelihood for likelihood, _ in recent]
    starts: dict[str | None, tuple[np.ndarray, np.ndarray]] = {
        None: (grid.centre, grid.log_prior(grid.centre, GLOBAL_SD))
    }
    for platform, centre in (platform_centres or {}).items():
        starts[platform] = (centre, grid.log_prior(centre, GLOBAL_SD))
    posteriors = []
    for arm, (platform, segment) in enumerate(groups):
        centres = []
        for position in (0, 1):
            member = (platform, segment)[position]
            start, start_prior = starts[platform if position == 0 and platform in starts else None]
            others = [
                likelihoods[other]
                for other, names in enumerate(groups)
                if other != arm and names[position] == member and recent[other][1]
            ]
            if others:
                centres.append(grid.posterior(start_prior + sum(others)).mean())
            else:
                centres.append(start)
        prior = grid.log_prior(np.mean(centres, axis=0), POOLING_SD)
        posterior = grid.posterior(prior + likelihoods[arm])
        kept, spent_days = recent[arm][1], data[arm].spent_cop.size
        changed = kept if kept < spent_days else None
        posteriors.append(Posterior(grid, posterior.probabilities, changed))
    return posteriors
