import { join } from 'node:path';
import { loadConfig } from '../src/config';
import { pipelineSettings, spillDir } from '../src/pipeline-settings';
import { activityPipeline } from '../src/topology';
import { memorySinks } from './support';

describe('spillDir', () => {
  it('is a directory of its own for each instance under STATE_DIR/spill, so replicas sharing STATE_DIR do not delete each other’s spill files', () => {
    expect(spillDir({ stateDir: '/data/state', instanceId: undefined }, 'c0ffee01')).toBe(join('/data/state', 'spill', 'c0ffee01'));
    expect(spillDir({ stateDir: '/data/state', instanceId: undefined }, 'c0ffee02')).toBe(join('/data/state', 'spill', 'c0ffee02'));
    expect(spillDir({ stateDir: './data/a', instanceId: 'a' }, 'same-host')).toBe(join('./data/a', 'spill', 'a'));
    expect(spillDir({ stateDir: '/data/state', instanceId: 'b' }, 'same-host')).toBe(join('/data/state', 'spill', 'b'));
  });

  it('stays inside STATE_DIR/spill for an INSTANCE_ID of dots', () => {
    expect(spillDir({ stateDir: '/s', instanceId: '..' }, 'h')).toBe(join('/s', 'spill', '__'));
    expect(spillDir({ stateDir: '/s', instanceId: '.' }, 'h')).toBe(join('/s', 'spill', '_'));
  });
});

describe('pipelineSettings', () => {
  it('gives the source MAX_TIME_AHEAD as its maxTimeAhead, and none for off', () => {
    const describeWith = (env: Record<string, string>) => activityPipeline(pipelineSettings(loadConfig({ SESSION_STORE: 'memory', ...env })), memorySinks()).describe();
    expect(describeWith({})).toContain("event times up to 10m ahead of their record's timestamp");
    expect(describeWith({ MAX_TIME_AHEAD: '30s' })).toContain("event times up to 30s ahead of their record's timestamp");
    expect(describeWith({ MAX_TIME_AHEAD: 'off' })).not.toContain('ahead of');
  });

  it('gives the source PROCESSING_ERRORS: dead letters by default, none for stop', () => {
    const describeWith = (env: Record<string, string>) => activityPipeline(pipelineSettings(loadConfig({ SESSION_STORE: 'memory', ...env })), memorySinks()).describe();
    expect(describeWith({})).toContain('records the code throws on → dead letters');
    expect(describeWith({ PROCESSING_ERRORS: 'stop' })).not.toContain('records the code throws on');
  });
});
