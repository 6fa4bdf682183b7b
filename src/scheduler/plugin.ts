import fp from 'fastify-plugin';
import type { Config } from '../config/index.js';
import { warnIfQueueNotVacuumed } from '../db/maintenance.js';
import { type ChangeLoop, createChangeLoop } from './change-loop.js';
import { createRefreshCoalescer, type RefreshCoalescer } from './coalescer.js';
import { createRefreshLoop, type RefreshLoop } from './refresh-loop.js';
import { createRetentionJob } from './retention.js';

/** Events moved out of odds_events per statement of a retention run: short locks, small transactions. */
const retentionBatchSize = 1000;

declare module 'fastify' {
  interface FastifyInstance {
    refreshLoop: RefreshLoop;
    refreshCoalescer: RefreshCoalescer;
    changeLoop: ChangeLoop;
  }
}

export interface SchedulerPluginOptions {
  config: Pick<
    Config,
    'schedulerEnabled' | 'refreshIntervalSeconds' | 'changePollMs' | 'changeMinGapMs' | 'importRefreshDelaySeconds' | 'retentionDays' | 'retentionArchive'
  >;
  /** Run the jobs (a serving process); false in the CLI, which refreshes by itself. */
  runJobs: boolean;
}

/**
 * Background jobs: the refresh schedule, the coalescer that imports ask for refreshes
 * through, and the retention job. They start once the app is ready and stop before its
 * connections close, so an in-flight refresh finishes against an open pool.
 */
export const schedulerPlugin = fp<SchedulerPluginOptions>(
  async (app, { config, runJobs }) => {
    const { sidebarService, sidebarRepository, metrics, db } = app;
    const refreshLoop = createRefreshLoop({
      enabled: config.schedulerEnabled && runJobs,
      intervalSeconds: config.refreshIntervalSeconds,
      log: app.log,
      refresh: (trigger, minInterval) => sidebarService.refresh(trigger, minInterval),
      viewState: () => sidebarRepository.viewState(),
    });
    // Imports ask for refreshes through this, so a feed pushing every few seconds cannot hammer the database.
    const refreshCoalescer = createRefreshCoalescer({
      delayMs: config.importRefreshDelaySeconds * 1000,
      run: () => sidebarService.refresh('import'),
      log: app.log,
    });
    // Writes reach the view within about the minimum gap, whoever made them (the change records' triggers).
    const changeLoop = createChangeLoop({
      pollMs: config.changePollMs,
      minGapMs: config.changeMinGapMs,
      log: app.log,
      refreshIfChanged: (minGapSeconds) => sidebarService.refreshIfChanged(minGapSeconds),
      wakeups: app.dbWakeups,
    });
    const retention = createRetentionJob({
      db,
      log: app.log,
      options: { days: config.retentionDays, archive: config.retentionArchive, batchSize: retentionBatchSize, maxBatches: 500, pauseMs: 50 },
    });

    app.decorate('refreshLoop', refreshLoop);
    app.decorate('refreshCoalescer', refreshCoalescer);
    app.decorate('changeLoop', changeLoop);
    metrics.bindScheduler(() => refreshLoop.state());

    if (runJobs) {
      app.addHook('onReady', async () => {
        // Not awaited: neither the start-up refresh nor a database still starting (connecting,
        // migrating) may hold back serving. Jobs start once the schema is ready.
        app.dbStartup.onReady(() => {
          refreshLoop.start().catch((err) => app.log.error({ err }, 'sidebar refresh scheduler failed to start'));
          changeLoop.start();
          retention.start();
          // The change loop's queue needs vacuuming; said once, if nothing will.
          if (config.changePollMs > 0 && db.kind === 'postgres') void warnIfQueueNotVacuumed(db, app.log);
        });
      });
    }
    app.addHook('preClose', async () => {
      await Promise.all([refreshLoop.stop(), changeLoop.stop(), refreshCoalescer.stop(), retention.stop()]);
    });
  },
  { name: 'scheduler', fastify: '5.x', dependencies: ['db', 'sidebar', 'observability'] },
);
