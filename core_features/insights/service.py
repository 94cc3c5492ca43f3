"""Model versions per organization and kind, training runs, and scoring records into the module's score table."""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
import structlog
from sklearn.metrics import roc_auc_score
from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core_features.insights import history, nba, training
from core_features.insights.events import (DEAL_WIN_PROBABILITY_CHANGED, LEAD_SCORE_CHANGED,
                                           DealWinProbabilityChanged, Factor, LeadScoreChanged)
from core_features.insights.features import features
from core_features.insights.models import ModelVersion, RecordScore
from core_features.insights.scoring import Scored, bucket, explain_model, rule_score
from core_features.insights.serving import Served
from core_features.insights.settings import InsightSettings
from hub.db import new_id, utcnow
from hub.events.service import emit
from hub.records.models import CustomField

__all__ = ["KINDS", "active", "counts", "fail", "score", "start_training", "train"]

KINDS = ("lead", "deal")
log = structlog.get_logger("insights")
_CACHE: OrderedDict[str, Any] = OrderedDict()  # model id → loaded model; ids never change meaning
_CACHE_SIZE = 64
MIN_UNSEEN = 20  # outcomes both versions never saw, below which a comparison on them is noise


async def active(session: AsyncSession, org_id: str, kind: str) -> ModelVersion | None:
    """The version serving this organization's scores of this kind, if any."""
    return await session.scalar(select(ModelVersion).where(
        ModelVersion.org_id == org_id, ModelVersion.kind == kind, ModelVersion.status == "active"))


async def counts(session: AsyncSession, org_id: str, kind: str) -> tuple[int, int]:
    """Positive and negative outcomes the organization has of this kind now."""
    model = history.RESOURCES[kind].model
    rows = dict((await session.execute(select(model.status, func.count()).where(
        model.org_id == org_id, model.status.in_(list(history.OUTCOMES[kind]))).group_by(model.status))).all())
    labels = history.OUTCOMES[kind]
    return (sum(n for s, n in rows.items() if labels[s] == 1), sum(n for s, n in rows.items() if labels[s] == 0))


async def start_training(session: AsyncSession, org_id: str, kind: str) -> ModelVersion:
    """A new version row, `training`, numbered after the organization's last one of this kind."""
    last = await session.scalar(select(func.max(ModelVersion.version)).where(
        ModelVersion.org_id == org_id, ModelVersion.kind == kind))
    row = ModelVersion(id=new_id("aim"), org_id=org_id, kind=kind, version=(last or 0) + 1, status="training",
                       progress="queued", samples=0, positives=0, metrics={}, features=[], baseline={},
                       created_at=utcnow())
    session.add(row)
    await session.flush()
    return row


async def train(sessions: async_sessionmaker[AsyncSession], org_id: str, kind: str, version_id: str,
                config: InsightSettings) -> dict[str, Any]:
    """Train the version `version_id` from the organization's own outcomes; it serves only if it is not worse
    than the serving one on the held-out outcomes. Answers what happened."""
    loop = asyncio.get_running_loop()

    async def say(text: str) -> None:
        async with sessions.begin() as session:
            await session.execute(update(ModelVersion).where(ModelVersion.id == version_id).values(progress=text))

    def progress(text: str) -> None:  # called from the training thread
        asyncio.run_coroutine_threadsafe(say(text), loop).result()

    await say("gathering outcomes")
    async with sessions() as session:
        snaps = await history.outcomes(session, org_id, kind)
        defs = await history.custom_defs(session, org_id, kind)
    rows, labels = [features(kind, s, defs) for s in snaps], [int(s.label or 0) for s in snaps]
    positives = sum(labels)
    negatives = len(labels) - positives
    if positives < config.min_positive or negatives < config.min_negative:
        reason = (f"thin history: {positives} positive and {negatives} negative outcomes, "
                  f"{config.min_positive} and {config.min_negative} needed; the rule-based score stays")
        await _finish(sessions, version_id, status="failed", error=reason, samples=len(rows), positives=positives)
        return {"status": "thin_history", "positives": positives, "negatives": negatives}
    fitted, out = await asyncio.to_thread(
        training.fit, rows, labels, folds=config.cv_folds, holdout_share=config.holdout_share,
        isotonic_above=config.isotonic_above, progress=progress)
    held = Held(rows=[rows[i] for i in out], y=np.asarray([labels[i] for i in out]), at=[snaps[i].at for i in out])
    return await _store(sessions, org_id, kind, version_id, fitted, held, len(rows), positives)


@dataclass
class Held:
    """Outcomes a new version never saw, and when each record closed."""

    rows: list[dict[str, Any]]
    y: np.ndarray
    at: list[datetime]


def compare(fitted: training.Fitted, current: ModelVersion, held: Held) -> tuple[float, float, str]:
    """Both versions' ROC AUC on outcomes neither saw (those that closed after the serving version was trained),
    or, with too few of those, each version's AUC on its own held-out outcomes."""
    unseen = [i for i, at in enumerate(held.at) if current.trained_at is None or at > current.trained_at]
    y = held.y[unseen] if unseen else held.y[:0]
    if len(unseen) >= MIN_UNSEEN and 0 < y.sum() < len(y):
        rows = [held.rows[i] for i in unseen]
        return _auc(fitted.trial, rows, y), _auc(loaded(current), rows, y), "outcomes since the serving version"
    return fitted.metrics["auc"], current.metrics["auc"], "each version's own held-out outcomes"


async def _store(sessions: async_sessionmaker[AsyncSession], org_id: str, kind: str, version_id: str,
                 fitted: training.Fitted, held: Held, samples: int, positives: int) -> dict[str, Any]:
    """Keep the version; it serves unless the serving one does better on held-out outcomes."""
    async with sessions.begin() as session:
        current = await active(session, org_id, kind)
        mine, theirs, basis = compare(fitted, current, held) if current else (fitted.metrics["auc"], None, "")
        better = theirs is None or mine >= theirs
        if current is not None:
            fitted.metrics["comparison"] = {"auc": mine, "serving_auc": theirs, "serving_version": current.version,
                                            "on": basis}
            if better:
                current.status = "retired"
                await session.flush()
        row = await session.get(ModelVersion, version_id)
        row.status, row.progress = ("active" if better else "kept"), "done"
        row.algorithm, row.calibration, row.metrics = fitted.algorithm, fitted.calibration, fitted.metrics
        row.samples, row.positives, row.trained_at = samples, positives, utcnow()
        row.features, row.baseline, row.blob = fitted.importance, fitted.baseline, training.dump(fitted.model)
    log.info("insights.model.trained", org_id=org_id, kind=kind, version=row.version, auc=mine, serving=better)
    return {"status": row.status, "version": row.version, "auc": mine, "current_auc": theirs}


def _auc(model: Any, rows: list[Any], y: np.ndarray) -> float:
    return round(float(roc_auc_score(y, model.predict_proba(rows)[:, 1])), 4)


async def _finish(sessions: async_sessionmaker[AsyncSession], version_id: str, **values: Any) -> None:
    async with sessions.begin() as session:
        await session.execute(update(ModelVersion).where(ModelVersion.id == version_id).values(
            progress="done", trained_at=utcnow(), **values))


async def fail(sessions: async_sessionmaker[AsyncSession], version_id: str, error: str) -> None:
    """Mark a training run that broke off as failed, with why."""
    await _finish(sessions, version_id, status="failed", error=error)


def loaded(row: ModelVersion) -> Any:
    """The version's model, rebuilt from its skops blob once per process, ready to serve."""
    if row.id in _CACHE:
        _CACHE.move_to_end(row.id)
        return _CACHE[row.id]
    model = Served(training.load(row.blob))
    _CACHE[row.id] = model
    if len(_CACHE) > _CACHE_SIZE:
        _CACHE.popitem(last=False)
    return model


async def labels_of(session: AsyncSession, org_id: str, kind: str) -> dict[str, str]:
    """Custom field labels by feature name, to put factors in the organization's own words."""
    rows = await session.execute(select(CustomField.key, CustomField.label).where(
        CustomField.org_id == org_id, CustomField.record_type == kind))
    return {f"cf_{key}": label for key, label in rows}


async def score(session: AsyncSession, org_id: str, kind: str, record_id: str, config: InsightSettings,
                now: datetime | None = None) -> RecordScore | None:
    """Score one record now, write it on the score table and announce a change; None if it is gone."""
    snap = await history.current(session, org_id, kind, record_id, now)
    if snap is None:
        return None
    row = features(kind, snap, await history.custom_defs(session, org_id, kind))
    scored = await predict(session, org_id, kind, row)
    written = await _write(session, org_id, kind, record_id, scored, config)
    if snap.state.get("status") not in history.OUTCOMES[kind]:  # closed records need no next step
        await nba.suggest(session, org_id, kind, record_id, row, written)
    return written


async def predict(session: AsyncSession, org_id: str, kind: str, row: dict[str, Any]) -> Scored:
    """The active model's score and factors for a feature row, or the rule-based one without a model."""
    labels = await labels_of(session, org_id, kind)
    model = await active(session, org_id, kind)
    if model is None:
        return rule_score(kind, row, labels)
    return explain_model(loaded(model), row, model.baseline, model.version, labels)


async def _write(session: AsyncSession, org_id: str, kind: str, record_id: str, scored: Scored,
                 config: InsightSettings) -> RecordScore:
    """Upsert the record's score (a scoring job and an action may write it at once) and announce a change."""
    key = (RecordScore.org_id == org_id) & (RecordScore.record_type == kind) & (RecordScore.record_id == record_id)
    before = (await session.execute(select(RecordScore.score, RecordScore.probability, RecordScore.bucket)
                                    .where(key))).first()
    values = dict(org_id=org_id, record_type=kind, record_id=record_id, score=scored.score,
                  probability=scored.probability, bucket=bucket(scored.score, config.hot_score, config.warm_score),
                  regime=scored.regime, factors=scored.factors, model_version=scored.model_version,
                  scored_at=utcnow())
    insert = pg_insert if session.bind.dialect.name == "postgresql" else sqlite_insert
    await session.execute(insert(RecordScore).values(values).on_conflict_do_update(
        index_elements=["org_id", "record_type", "record_id"],
        set_={k: v for k, v in values.items() if k not in ("org_id", "record_type", "record_id")}))
    row = RecordScore(**values)  # what was written, detached: the session's copy may predate the upsert
    _announce(session, org_id, kind, record_id, row, tuple(before) if before else None)
    return row


def _announce(session: AsyncSession, org_id: str, kind: str, record_id: str, row: RecordScore,
              before: tuple[int, float, str] | None) -> None:
    factors = [Factor(**f) for f in row.factors]
    common = dict(bucket=row.bucket, previous_bucket=before[2] if before else None,
                  bucket_changed=before is None or before[2] != row.bucket, regime=row.regime,
                  model_version=row.model_version, factors=factors, scored_at=row.scored_at)
    if kind == "lead" and (before is None or before[0] != row.score):
        emit(session, org_id, LEAD_SCORE_CHANGED, LeadScoreChanged(
            lead_id=record_id, score=row.score, previous_score=before[0] if before else None, **common),
            subject_id=record_id)
    elif kind == "deal" and (before is None or abs(before[1] - row.probability) >= 0.01 or before[2] != row.bucket):
        emit(session, org_id, DEAL_WIN_PROBABILITY_CHANGED, DealWinProbabilityChanged(
            deal_id=record_id, win_probability=round(row.probability * 100, 1),
            previous_win_probability=round(before[1] * 100, 1) if before else None, **common), subject_id=record_id)
