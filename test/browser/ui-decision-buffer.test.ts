import { expect } from '@esm-bundle/chai';
import { DecisionBuffer } from '../../src/ui/model/decision-buffer';
import { csvCell, toCsv, toJsonl, CSV_COLUMNS } from '../../src/ui/model/export';
import { makeDecision, makeDecisions } from './helpers/ui-fake-detector';

describe('the feed’s decision buffer and export', () => {
  it('holds the newest decisions up to its capacity, newest first', () => {
    const b = new DecisionBuffer(5);
    b.append(makeDecisions(8));
    expect(b.size).to.equal(5);
    expect([0, 1, 2, 3, 4].map((i) => b.at(i)!.transaction_id)).to.deep.equal(['T000007', 'T000006', 'T000005', 'T000004', 'T000003']);
    expect(b.at(5)).to.equal(undefined);
    expect(b.get('T000002')).to.equal(undefined);
    expect(b.get('T000003')!.transaction_id).to.equal('T000003');
  });

  it('keeps the filtered view in step with appends and evictions', () => {
    const b = new DecisionBuffer(6);
    b.setFilter({ recommendation: 'BLOCK' });
    b.append(makeDecisions(6)); // BLOCK: 2, 5
    expect(b.matchCount).to.equal(2);
    b.append(makeDecisions(3, 6)); // evicts 0, 1, 2; adds BLOCK 8
    expect([...b.matching()].map((d) => d.transaction_id)).to.deep.equal(['T000008', 'T000005']);
  });

  it('updates a decision it already holds instead of adding a second row', () => {
    const b = new DecisionBuffer(10);
    b.append(makeDecisions(3));
    b.append([makeDecision(1, { analyst_label: 'legitimate' })]);
    expect(b.size).to.equal(3);
    expect(b.get('T000001')!.analyst_label).to.equal('legitimate');
  });

  it('quotes CSV cells and defuses spreadsheet formulas', () => {
    expect(csvCell('plain')).to.equal('plain');
    expect(csvCell('a,b')).to.equal('"a,b"');
    expect(csvCell('say "hi"')).to.equal('"say ""hi"""');
    expect(csvCell('=1+1')).to.equal("'=1+1");
    expect(csvCell('@SUM(A1)')).to.equal("'@SUM(A1)");
    expect(csvCell(-12.5)).to.equal('-12.5');
    expect(csvCell(undefined)).to.equal('');
    const csv = toCsv([makeDecision(2)]).split('\r\n');
    expect(csv[0]).to.equal(CSV_COLUMNS.join(','));
    expect(csv[1].split(',')).to.have.length(CSV_COLUMNS.length);
    expect(toJsonl([makeDecision(1), makeDecision(2)]).split('\n').filter(Boolean).map((l) => JSON.parse(l).transaction_id)).to.deep.equal(['T000001', 'T000002']);
  });
});
